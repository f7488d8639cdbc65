// Loads the bundled CLI (dist/cli.cjs) through V8's code cache: start-up then skips parsing and
// compiling the bundle. Node 20 has no module.enableCompileCache, so this uses vm.Script's
// cachedData.
// - `npm run build` writes dist/cli.cjs.cache for the Node that built it.
// - V8 rejects a cache made by another Node release or under other V8 flags (NODE_OPTIONS such as
//   --max-old-space-size). Then the bundle compiles as usual, and at exit a cache for this Node
//   and these flags is written to a per-user directory ($XDG_CACHE_HOME/vram, else ~/.cache/vram),
//   keyed by Node version, architecture, flags and the bundle's size and time. It is written to a
//   temporary name and renamed, never into the install folder, and skipped when it cannot be
//   written. The next run with the same Node and flags reads it.
// CommonJS on purpose: a CommonJS entry point starts without Node's ESM loader.
'use strict';
const { readFileSync, renameSync, statSync, writeFileSync, mkdirSync, rmSync } = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const bundlePath = path.join(__dirname, '..', 'dist', 'cli.cjs');
const cachePath = `${bundlePath}.cache`;

/** A short, stable hash of a string (FNV-1a), for the cache file's name. */
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
}

/** The per-user cache file for this Node, these flags and this bundle; null without a home. */
function userCachePath() {
  const home = process.env.HOME || process.env.USERPROFILE;
  const base = process.env.XDG_CACHE_HOME || (home ? path.join(home, '.cache') : null);
  if (!base) return null;
  const bundle = statSync(bundlePath);
  const flags = `${process.execArgv.join(' ')}|${process.env.NODE_OPTIONS ?? ''}`;
  const key = `${process.version}-${process.arch}-${hash(flags)}-${bundle.size}-${Math.round(bundle.mtimeMs)}`;
  return path.join(base, 'vram', `cli-${key}.cache`);
}

function readOrNull(file) {
  try {
    return file === null ? undefined : readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Writes `script`'s code cache to `file` whole (temporary name, then rename), or not at all. */
function writeCache(script, file) {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, file);
  } catch {
    rmSync(temporary, { force: true });
  }
}

/** Returns the CLI module's exports and the compiled script (for producing the cache). */
function loadCli({ useCache = true } = {}) {
  const source = readFileSync(bundlePath, 'utf8');
  const userCache = useCache ? userCachePath() : null;
  // A per-user cache exists only where the install one was rejected: try it first.
  const fromUser = readOrNull(userCache);
  const cachedData = !useCache ? undefined : (fromUser ?? readOrNull(cachePath));
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundlePath,
    cachedData,
  });
  if (useCache && userCache !== null && (cachedData === undefined || script.cachedDataRejected)) {
    process.once('exit', () => writeCache(script, userCache));
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require, module, bundlePath, path.dirname(bundlePath));
  return { cli: module.exports, script };
}

module.exports = { loadCli, bundlePath, cachePath };
