import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from './helpers/temp-dir.js';

// The launcher as built, copied into a dist of its own with a stand-in for the modules (cli/main.js)
// and for the bundle (fleetctl.cjs), so nothing here touches the dist other tests run from.
const LAUNCH = fileURLToPath(new URL('../cli/launch.js', import.meta.url));
const tmp = makeTempDir('fleetvisor-launch-');
after(() => tmp.remove());

function distWith(files: { modules: boolean; bundle: boolean }): string {
  const dist = tmp.fresh();
  mkdirSync(join(dist, 'cli'));
  copyFileSync(LAUNCH, join(dist, 'cli', 'launch.js'));
  writeFileSync(join(dist, 'package.json'), '{"type": "module"}');
  if (files.modules) writeFileSync(join(dist, 'cli', 'main.js'), "console.log('modules', process.argv.slice(2).join(' '));\n");
  if (files.bundle) writeFileSync(join(dist, 'fleetctl.cjs'), "console.log('bundle', process.argv.slice(2).join(' '), typeof require, __filename.endsWith('fleetctl.cjs'));\n");
  return dist;
}

const run = (dist: string, ...args: string[]): string => execFileSync(process.execPath, [join(dist, 'cli', 'launch.js'), ...args], { encoding: 'utf8' }).trim();

function age(file: string, seconds: number): void {
  const t = Date.now() / 1000 - seconds;
  utimesSync(file, t, t);
}

test('fleetctl runs the bundle as CommonJS when it is at least as new as the modules, with its arguments', () => {
  const dist = distWith({ modules: true, bundle: true });
  age(join(dist, 'cli', 'main.js'), 60);
  assert.equal(run(dist, 'status', 'web:*'), 'bundle status web:* function true');
});

test('fleetctl runs the modules when tsc has rebuilt them since the bundle, or when there is no bundle', () => {
  const stale = distWith({ modules: true, bundle: true });
  age(join(stale, 'fleetctl.cjs'), 60);
  assert.equal(run(stale, 'status'), 'modules status');
  assert.equal(run(distWith({ modules: true, bundle: false }), 'help'), 'modules help');
});

test('the first run writes the code cache and later runs use it as it is', () => {
  const dist = distWith({ modules: true, bundle: true });
  age(join(dist, 'cli', 'main.js'), 60);
  const cache = join(dist, 'fleetctl.cjs.cache');
  assert.equal(existsSync(cache), false);
  run(dist);
  assert.ok(statSync(cache).size > 0, 'a cache after the first run');
  age(cache, 60);
  const before = statSync(cache).mtimeMs;
  assert.equal(run(dist, 'version'), 'bundle version function true');
  assert.equal(statSync(cache).mtimeMs, before, 'an accepted cache is not written again');
  assert.deepEqual(readdirSync(dist).filter((f) => f.includes('.cache.')), [], 'no temporary file left');
});

test('a cache that does not match the bundle is replaced, and the run goes on', () => {
  const dist = distWith({ modules: true, bundle: true });
  age(join(dist, 'cli', 'main.js'), 60);
  const cache = join(dist, 'fleetctl.cjs.cache');
  writeFileSync(cache, 'not a V8 code cache');
  assert.equal(run(dist, 'status'), 'bundle status function true');
  assert.notEqual(statSync(cache).size, 'not a V8 code cache'.length, 'rewritten by this run');
});
