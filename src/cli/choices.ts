/** Choice lists used by the CLI only (the core's lists live next to their formulas). */
export const MODES = ['inference', 'training'] as const;
export type Mode = (typeof MODES)[number];
export const FORMATS = ['table', 'json', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];
export const UNIT_SYSTEMS = ['gib', 'gb'] as const;
export type UnitSystem = (typeof UNIT_SYSTEMS)[number];
