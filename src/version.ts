/** The tool's name and version, from package.json (inlined by the bundler). */
import pkg from '../package.json';

export const TOOL_NAME = 'vram';
export const TOOL_VERSION: string = pkg.version;
