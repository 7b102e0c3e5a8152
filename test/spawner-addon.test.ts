import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { native, type NativeSpawnResult } from '../agent/native/addon.js';
import { openFds, withFreeFds } from './helpers/fd-limit.js';
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

type SpawnOutcome = { error: (Error & { code: string }) | null; result: NativeSpawnResult | null };

/** spawnAsync as a promise; the callback must come later, never during the call. */
function spawnAsync(argv: string[], umask = -1): Promise<SpawnOutcome> {
  let returned = false;
  const outcome = new Promise<SpawnOutcome>((resolve) => {
    native.spawnAsync(argv[0]!, argv, ['PATH=/usr/bin:/bin'], null, umask, -1, -1, null, true, (error, result) => {
      assert.ok(returned, 'the callback ran during the spawnAsync call');
      if (result) running.add(result.pid);
      resolve({ error, result });
    });
  });
  returned = true;
  return outcome;
}

/** Everything the child writes to its stdout pipe until EOF; the fds are closed afterwards. */
function readAll(r: NativeSpawnResult): Promise<string> {
  closeSync(r.stdin);
  const socket = new Socket({ fd: r.stdout, readable: true, writable: false });
  let text = '';
  socket.setEncoding('utf8').on('data', (s: string) => (text += s));
  return new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

test('spawnAsync hands the child and its pipe ends to the callback, with the time it was created', async () => {
  const before = Date.now();
  const { error, result } = await spawnAsync(['/bin/echo', 'hello']);
  assert.equal(error, null);
  assert.ok(result && result.pid > 0);
  assert.equal(result.stderr, -1, 'redirectStderr: one pipe for both');
  assert.ok(result.startedAt >= before && result.startedAt <= Date.now(), `startedAt ${result.startedAt} not in [${before}, now]`);
  assert.equal(await readAll(result), 'hello\n');
});

// This guards the pool: several threads create pipes and children at once, and a child created
// by one thread must not keep the pipe ends another thread has just made (a leaked write end
// would also hold the other child's stdout open past its exit).
for (const [path, umask] of [['posix_spawn', -1], ['fork', 0o022]] as const) {
  test(`concurrent spawns on the pool (${path}) never leak a pipe fd into each other's children`, async () => {
    const outcomes = await Promise.all(Array.from({ length: 24 }, () => spawnAsync(['/bin/ls', '/proc/self/fd'], umask)));
    const listings = await Promise.all(
      outcomes.map(({ error, result }) => {
        assert.equal(error, null);
        return readAll(result!);
      }),
    );
    // 0, 1 and 2 are the pipes; 3 is the directory ls itself opened to list them.
    for (const listing of listings) assert.deepEqual(listing.split('\n').filter(Boolean), ['0', '1', '2', '3']);
  });
}

test('a spawn that fails on the pool reports the error spawn() throws, and leaks no fd', async () => {
  const fdsBefore = openFds();
  let thrown: unknown;
  // Room for one pipe but not two: pipe2 fails with EMFILE after the first pipe was made.
  const outcome = await withFreeFds(3, () => {
    try {
      native.spawn('/bin/true', ['true'], [], null, -1, -1, -1, null, true);
    } catch (err) {
      thrown = err;
    }
    return spawnAsync(['/bin/true']);
  });
  assert.equal(outcome.result, null);
  assert.ok(outcome.error instanceof Error);
  assert.equal(outcome.error.code, 'EMFILE');
  assert.equal(outcome.error.message, 'pipe2 failed: EMFILE');
  assert.equal((thrown as Error & { code: string }).code, outcome.error.code);
  assert.equal((thrown as Error).message, outcome.error.message);
  assert.deepEqual(openFds(), fdsBefore, 'the first pipe was closed again');
});

test('spawnAsync rejects bad arguments at once and queues nothing', () => {
  const noop = (): void => {};
  assert.throws(() => native.spawnAsync('/bin/true', [], [], null, -1, -1, -1, null, false, noop), /argv must not be empty/);
  assert.throws(
    () => native.spawnAsync('/bin/true', ['true'], [], null, -1, -1, -1, null, false, null as unknown as typeof noop),
    /callback must be a function/,
  );
});
