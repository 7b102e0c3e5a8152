import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { isFleetError } from '../common/errors.js';
import { native } from '../agent/native/addon.js';
import { NativeSpawner } from '../agent/process/native-spawner.js';
import type { ExitStatus } from '../agent/process/spawner.js';
import { resolveUser } from '../agent/process/user.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const isRoot = process.getuid!() === 0;
const dir = makeTempDir('fleetvisor-user-');
const spawner = new NativeSpawner();
const exits = new Map<number, ExitStatus>();
const started = new Set<number>();
spawner.onExit((pid, status) => exits.set(pid, status));

after(async () => {
  for (const pid of started) if (!exits.has(pid)) spawner.kill(pid, 'SIGKILL', true);
  await waitFor(() => [...started].every((pid) => exits.has(pid)), { what: 'every child to be reaped' });
  spawner.close();
  dir.remove();
});

function collect(stream: Readable | null): Promise<string> {
  assert.ok(stream);
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return new Promise((resolve) => stream.on('close', () => resolve(text)));
}

const nobody = native.getpwnam('nobody')!;

test('no user=, or the agent\'s own user, means no privilege change', () => {
  assert.equal(resolveUser(null), null);
  assert.equal(resolveUser('nobody', nobody.uid), null, 'an unprivileged agent may name itself');
  assert.equal(resolveUser(String(nobody.uid), nobody.uid), null);
});

test('a user name or numeric uid resolves to uid, primary gid and supplementary groups', () => {
  const expected = { uid: nobody.uid, gid: nobody.gid, groups: native.getgrouplist('nobody', nobody.gid) };
  assert.deepEqual(resolveUser('nobody', 0), expected);
  assert.deepEqual(resolveUser(String(nobody.uid), 0), expected);
  assert.deepEqual(resolveUser(` ${nobody.uid} `, 0), expected, "Python's int() accepts surrounding spaces");
});

test("unknown users and unprivileged switches fail with supervisord's texts", () => {
  assert.throws(
    () => resolveUser('fleetvisor-no-such-user', 0),
    (err) => isFleetError(err, 'CONFIG_INVALID') && err.message === 'Invalid user name fleetvisor-no-such-user',
  );
  assert.throws(
    () => resolveUser('2147483647', 0),
    (err) => isFleetError(err, 'CONFIG_INVALID') && err.message === 'Invalid user id 2147483647',
  );
  assert.throws(
    () => resolveUser('nobody', 1000),
    (err) => isFleetError(err, 'SPAWN_ERROR') && err.message === "Can't drop privilege as nonroot user",
  );
});

test('user=nobody: the child runs with nobody\'s uid, gid and groups', { skip: !isRoot && 'needs root' }, async () => {
  const user = resolveUser('nobody');
  assert.ok(user);
  for (const umask of [null, 0o022]) {
    const child = spawner.spawn({
      file: '/bin/cat',
      argv: ['cat', '/proc/self/status'],
      env: {},
      cwd: null,
      umask,
      user,
      redirectStderr: false,
    });
    started.add(child.pid);
    const status = await collect(child.stdout);
    const field = (name: string): string => status.match(new RegExp(`^${name}:\\s*(.*)$`, 'm'))![1]!.trim();
    assert.deepEqual(field('Uid').split(/\s+/).map(Number), [user.uid, user.uid, user.uid, user.uid]);
    assert.deepEqual(field('Gid').split(/\s+/).map(Number), [user.gid, user.gid, user.gid, user.gid]);
    assert.deepEqual(field('Groups').split(/\s+/).map(Number).sort(), [...user.groups].sort());
    await waitFor(() => exits.get(child.pid), { what: 'the child to exit' });
    assert.deepEqual(exits.get(child.pid), { code: 0, signal: null, coreDumped: false });
  }
});

test('privileges are dropped before chdir, as supervisord orders it', { skip: !isRoot && 'needs root' }, async () => {
  const private_ = join(dir.path, 'root-only');
  mkdirSync(private_);
  chmodSync(private_, 0o700);
  const child = spawner.spawn({
    file: '/bin/true',
    argv: ['true'],
    env: {},
    cwd: private_,
    umask: null,
    user: resolveUser('nobody'),
    redirectStderr: true,
  });
  started.add(child.pid);
  const output = collect(child.stdout);
  await waitFor(() => exits.get(child.pid), { what: 'the child to exit' });
  assert.equal(exits.get(child.pid)?.code, 127);
  assert.equal(await output, `supervisor: couldn't chdir to ${private_}: EACCES\nsupervisor: child process was not spawned\n`);
  assert.match(readFileSync('/proc/self/status', 'utf8'), /^Uid:\s+0\s/m, 'the agent itself keeps its uid');
});
