// Stand-in for the `emoji-regex` package in the CLI bundle (esbuild alias in scripts/build.mjs).
// string-width uses it to count emoji as two columns; the package's 10 KB generated pattern costs
// milliseconds to compile at every start-up, while this Unicode-property pattern matches the same
// emoji sequences (pictographs with variation selectors and ZWJ joins, flag pairs).
module.exports = function emojiRegex() {
  return /\p{Extended_Pictographic}(?:\uFE0F|\u200D\p{Extended_Pictographic})*|\p{Regional_Indicator}{2}/gu;
};
