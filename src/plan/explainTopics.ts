/** The topics of `vram explain` (plan/cheatSheet.ts computes their figures). */
export const EXPLAIN_TOPICS = ['training', 'zero', 'kv-cache', 'activations', 'concurrency', 'rules-of-thumb'] as const;
export type ExplainTopic = (typeof EXPLAIN_TOPICS)[number];
