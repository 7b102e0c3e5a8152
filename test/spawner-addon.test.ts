import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync } from 'node:fs';
import { native } from '../agent/native/addon.js';
import { waitFor } from './helpers/wait-for.js';

// The addon on its own, without NativeSpawner: this file reaps with native.reap() directly.

const running = new Set<number>();
after(async () => {
  for (const pid of running) native.kill(pid, 9, true);
  await waitFor(
    () => {
      for (const [pid] of native.reap()) running.delete(pid);
      return running.size === 0;
    },
    { what: 'every child to be reaped' },
  );
});

function spawnSleep(): number {
  const { pid, stdin, stdout, stderr } = native.spawn('/bin/sleep', ['sleep', '100'], [], null, -1, -1, -1, null, false);
  for (const fd of [stdin, stdout, stderr]) closeSync(fd);
  running.add(pid);
  return pid;
}

test('reap returns at once with nothing while children run, then returns each exited child once', async () => {
  const pid = spawnSleep();
  assert.deepEqual(native.reap(), []);
  assert.equal(native.kill(pid, 9, false), null);
  const reaped = await waitFor(() => native.reap().find(([p]) => p === pid), { what: `pid ${pid} to be reaped` });
  running.delete(pid);
  assert.deepEqual(reaped, [pid, null, 9, false]);
  assert.deepEqual(native.reap(), [], 'no children at all is an empty list, not an error');
});

test('reap reports exit codes of several children that exit together', async () => {
  const pids = [3, 4, 5].map((code) => {
    const r = native.spawn('/bin/sh', ['sh', '-c', `exit ${code}`], [], null, -1, -1, -1, null, true);
    for (const fd of [r.stdin, r.stdout]) closeSync(fd);
    running.add(r.pid);
    return [r.pid, code] as const;
  });
  const seen = new Map<number, number | null>();
  await waitFor(
    () => {
      for (const [pid, code] of native.reap()) seen.set(pid, code);
      return seen.size === pids.length;
    },
    { what: 'three exits' },
  );
  for (const [pid, code] of pids) {
    assert.equal(seen.get(pid), code);
    running.delete(pid);
  }
});

test('kill returns the errno name on failure and refuses pids that would widen its reach', () => {
  const pid = spawnSleep();
  assert.equal(native.kill(pid, 0, false), null);
  assert.equal(native.kill(pid, 0, true), null);
  assert.equal(native.kill(2 ** 22 + 12345, 0, false), 'ESRCH');
  assert.throws(() => native.kill(0, 15, false), TypeError);
  assert.throws(() => native.kill(-1, 15, false), TypeError);
});

test('setrlimit and getrlimit round-trip nofile and nproc', () => {
  for (const resource of ['nofile', 'nproc'] as const) {
    const original = native.getrlimit(resource);
    const lower = original.hard === Infinity ? 4096 : Math.min(original.soft, original.hard) - 1;
    try {
      assert.equal(native.setrlimit(resource, lower, original.hard), null);
      assert.deepEqual(native.getrlimit(resource), { soft: lower, hard: original.hard });
      assert.equal(native.setrlimit(resource, lower + 1, lower), 'EINVAL', 'soft above hard');
    } finally {
      assert.equal(native.setrlimit(resource, original.soft, original.hard), null);
    }
    assert.deepEqual(native.getrlimit(resource), original);
  }
  assert.throws(() => native.getrlimit('core' as 'nofile'), TypeError);
});

test('passwd and group lookups match the system', () => {
  assert.deepEqual(native.getpwnam('root'), native.getpwuid(0));
  assert.equal(native.getpwnam('root')?.uid, 0);
  assert.equal(native.getpwnam('fleetvisor-no-such-user'), null);
  assert.equal(native.getpwuid(2 ** 31), null);
  const nobody = native.getpwnam('nobody');
  assert.ok(nobody);
  const groups = native.getgrouplist('nobody', nobody.gid);
  assert.equal(groups[0], nobody.gid, 'primary group first, as supervisord orders setgroups');
  const fromId = execFileSync('id', ['-G', 'nobody'], { encoding: 'utf8' }).trim().split(' ').map(Number);
  assert.deepEqual([...groups].sort(), fromId.sort());
});

test('spawn rejects arguments that exec would misread', () => {
  const spawn = (argv: string[], uid = -1, gid = -1): unknown =>
    native.spawn('/bin/true', argv, [], null, -1, uid, gid, null, false);
  assert.throws(() => spawn([]), /argv must not be empty/);
  assert.throws(() => spawn(['true', 'a\0b']), /must not contain NUL bytes/);
  assert.throws(() => spawn(['true'], 65534, -1), /uid and gid must be given together/);
  assert.throws(() => native.spawn('/bin/true', ['true'], [], null, 0o1000, -1, -1, null, false), /umask/);
});
