// Stand-in for chalk's `#supports-color` in the CLI bundle (esbuild alias in scripts/build.mjs).
// vram always gives chalk an explicit colour level (TTY and NO_COLOR decide, see src/cli/io.ts), so
// the terminal probe chalk runs at import time (~3.6 ms of every start-up) is never needed.
module.exports = { stdout: false, stderr: false };
