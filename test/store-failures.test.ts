/**
 * The store on a full disk and a read-only file system, for real: the writer runs in a private
 * mount namespace (unshare, as root) over a small tmpfs or a read-only bind mount, which vanish
 * with it. Without root these tests are skipped (CI runs as root).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, transitions, appendAll } from './helpers/store-fixtures.js';
import { makeTempDir } from './helpers/temp-dir.js';

const WRITER = fileURLToPath(new URL('./helpers/store-writer.js', import.meta.url));
const canMount = process.getuid?.() === 0 && spawnSync('unshare', ['--mount', 'true']).status === 0;
const skip = canMount ? false : 'needs root and unshare(1) for a private mount namespace';
const temp = makeTempDir('fleetvisor-store-');
after(() => temp.remove());

const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** Runs `setup` then the writer with `args` in a private mount namespace; resolves with its JSON lines. */
async function writerInNamespace(setup: string, args: string[]): Promise<Record<string, unknown>[]> {
  const script = `set -e; ${setup}; exec ${quote(process.execPath)} ${[WRITER, ...args].map(quote).join(' ')}`;
  const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, `the writer exited ${code}; stderr: ${err}`);
  return out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('a full disk fails the append with FAILED saying so; reads go on, and appends work again once space is freed', { skip }, async () => {
  const mnt = join(temp.fresh(), 'mnt');
  mkdirSync(mnt);
  const db = join(mnt, 'fleet.db');
  const lines = await writerInNamespace(
    `mount -t tmpfs -o size=2m none ${quote(mnt)}; head -c 1048576 /dev/zero > ${quote(join(mnt, 'filler'))}`,
    ['fill', db, join(mnt, 'filler')],
  );
  const [failure, read, retried, closed] = lines;
  assert.deepEqual(Object.keys(failure!), ['error'], JSON.stringify(lines));
  const error = failure!.error as { code: string; message: string };
  assert.equal(error.code, 'FAILED');
  assert.match(error.message, new RegExp(`^controller store ${db} cannot be written: the disk is full \\(SQLITE_FULL.*\\) while storing events: free space`));
  assert.deepEqual(read, { read: 10 }, 'the store still answers');
  assert.ok(typeof retried!.retried === 'number' && retried!.retried > 0, JSON.stringify(retried));
  assert.deepEqual(closed, { closed: true });
});

test('a database in a read-only directory is refused with FAILED naming it', { skip }, async () => {
  const ro = temp.fresh();
  {
    await using store = await openStore(ro);
    await appendAll(store, 'web-1', transitions('web-1', 1, 10));
  }
  const db = join(ro, 'fleet.db');
  const lines = await writerInNamespace(`mount --bind ${quote(ro)} ${quote(ro)}; mount -o remount,bind,ro ${quote(ro)}`, ['open', db]);
  const error = lines[0]!.error as { code: string; message: string };
  assert.equal(error.code, 'FAILED', JSON.stringify(lines));
  assert.match(error.message, new RegExp(`^controller store ${db} (is read-only|cannot be opened) .*: (make the file|check that its directory)`));
});

test('a new database under a read-only directory is refused with FAILED naming it', { skip }, async () => {
  const ro = temp.fresh();
  const db = join(ro, 'data', 'fleet.db');
  const lines = await writerInNamespace(`mount --bind ${quote(ro)} ${quote(ro)}; mount -o remount,bind,ro ${quote(ro)}`, ['open', db]);
  const error = lines[0]!.error as { code: string; message: string };
  assert.equal(error.code, 'FAILED', JSON.stringify(lines));
  assert.match(error.message, new RegExp(`^controller store ${db} is read-only \\(EROFS.*\\) while creating its directory`));
});
