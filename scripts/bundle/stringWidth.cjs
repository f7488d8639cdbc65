// Stand-in for the `string-width` package as cli-table3 imports it, in the CLI bundle (esbuild alias
// in scripts/build.mjs). cli-table3 measures every cell's width twice per line, and string-width
// strips ANSI codes, replaces emoji with a Unicode-property pattern and looks up every code point:
// for `vram gpus` (240 cells) that was about 50 M of the 270 M instructions the command adds to bare
// Node. A string of printable ASCII alone (U+0020–U+007E: no escape codes, no emoji, no wide or
// combining characters) is as wide as it is long, which is what string-width returns for it; anything
// else goes to string-width, required by path (the alias would send `string-width` back here; knip.json
// ignores the package, a dependency of cli-table3). test/hardening/properties.test.ts compares the two.
const stringWidth = require('../../node_modules/string-width/index.js');

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

module.exports = function width(text) {
  return typeof text === 'string' && PRINTABLE_ASCII.test(text) ? text.length : stringWidth(text);
};
