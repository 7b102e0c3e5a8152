/**
 * How bin/fleetctl starts: the one-file bundle (dist/fleetctl.cjs, made by
 * scripts/bundle-fleetctl.mjs after tsc) through V8's code cache, or the ES modules under
 * dist/cli when there is no bundle or it is older than them (a tsc run since the last build).
 *
 * The cache (dist/fleetctl.cjs.cache) holds the code compiled by a previous run; V8 checks it
 * against the source and its own version and flags, and rejects it when they differ, in which
 * case this run writes a new one at exit. A dist directory this user cannot write only means no
 * cache. Node 22's module.enableCompileCache() does the same for modules; Node 20 has no such call.
 */
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const dist = dirname(dirname(fileURLToPath(import.meta.url)));
const bundle = join(dist, 'fleetctl.cjs');

if (isFresh(bundle, join(dist, 'cli', 'main.js'))) runBundle(bundle);
else await import('./main.js');

function isFresh(file: string, than: string): boolean {
  try {
    return statSync(file).mtimeMs >= statSync(than).mtimeMs;
  } catch {
    return false;
  }
}

function runBundle(file: string): void {
  const cacheFile = `${file}.cache`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cachedData === undefined || script.cachedDataRejected) process.once('exit', () => saveCache(script, cacheFile));
  const module = { exports: {} };
  const wrapper = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
}

/** Written beside the bundle through a temporary name, so a concurrent fleetctl never reads half a cache. */
function saveCache(script: vm.Script, cacheFile: string): void {
  const temporary = `${cacheFile}.${process.pid}`;
  try {
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, cacheFile);
  } catch {
    // No cache this time (a read-only install): the next run compiles again.
    rmSync(temporary, { force: true });
  }
}
