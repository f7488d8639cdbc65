// Stand-in for `node:child_process` in the CLI bundle (esbuild alias in scripts/build.mjs).
// commander requires child_process at load time to run executable subcommands, which vram never
// uses; loading it (and the stream modules behind it) costs ~5 ms of every start-up. This proxy
// loads the real module on first use (process.getBuiltinModule: Node ≥ 20.16).
let real;
module.exports = new Proxy(
  {},
  {
    get(_target, key) {
      real ??= globalThis.process.getBuiltinModule('node:child_process');
      return real[key];
    },
  },
);
