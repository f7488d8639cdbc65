// Loads the bundled CLI (dist/cli.cjs) through V8's code cache (dist/cli.cjs.cache, written by
// `npm run build`): start-up then skips parsing and compiling the bundle. Node 20 has no
// module.enableCompileCache, so this uses vm.Script's cachedData; when V8 rejects the cache
// (another Node version), the bundle is compiled as usual and runs the same.
// CommonJS on purpose: a CommonJS entry point starts without Node's ESM loader.
'use strict';
const { readFileSync } = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const bundlePath = path.join(__dirname, '..', 'dist', 'cli.cjs');
const cachePath = `${bundlePath}.cache`;

/** Returns the CLI module's exports and the compiled script (for producing the cache). */
function loadCli({ useCache = true } = {}) {
  const source = readFileSync(bundlePath, 'utf8');
  let cachedData;
  if (useCache) {
    try {
      cachedData = readFileSync(cachePath);
    } catch {
      cachedData = undefined;
    }
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundlePath,
    cachedData,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require, module, bundlePath, path.dirname(bundlePath));
  return { cli: module.exports, script };
}

module.exports = { loadCli, bundlePath, cachePath };
