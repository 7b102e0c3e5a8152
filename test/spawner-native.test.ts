import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { isFleetError } from '../common/errors.js';
import { native } from '../agent/native/addon.js';
import { NativeSpawner } from '../agent/process/native-spawner.js';
import type { ChildHandle, ExitStatus, SpawnOutcome, SpawnRequest } from '../agent/process/spawner.js';
import { openFds, withFreeFds } from './helpers/fd-limit.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const dir = makeTempDir('fleetvisor-spawner-');
const spawner = new NativeSpawner();
const exits = new Map<number, ExitStatus[]>();
const started = new Set<number>();
spawner.onExit((pid, status) => {
  exits.set(pid, [...(exits.get(pid) ?? []), status]);
});

after(async () => {
  for (const pid of started) if (!exits.has(pid)) spawner.kill(pid, 'SIGKILL', true);
  await waitFor(() => [...started].every((pid) => exits.has(pid)), { what: 'every child to be reaped' });
  spawner.close();
  dir.remove();
});

function spawn(file: string, argv: string[], options: Partial<SpawnRequest> = {}): ChildHandle {
  const child = spawner.spawn({
    file,
    argv,
    env: { PATH: '/usr/bin:/bin' },
    cwd: null,
    umask: null,
    user: null,
    redirectStderr: false,
    ...options,
  });
  started.add(child.pid);
  return child;
}

/** Everything a pipe delivers until EOF. */
function collect(stream: Readable | null): Promise<Buffer> {
  assert.ok(stream);
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    stream.on('error', reject);
    stream.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

async function exitOf(pid: number): Promise<ExitStatus> {
  const statuses = await waitFor(() => exits.get(pid), { what: `exit of ${pid}` });
  return statuses[0]!;
}

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, pgrp, session, ...]. */
function procStat(pid: number | 'self'): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** True when the pid is gone or a zombie. */
function isDead(pid: number): boolean {
  try {
    return procStat(pid)[0] === 'Z';
  } catch {
    return true;
  }
}

// Each behaviour is checked on the posix_spawn path and on the fork path (taken when a umask is set).
const paths: Array<[string, Partial<SpawnRequest>]> = [
  ['posix_spawn', {}],
  ['fork', { umask: 0o022 }],
];

for (const [path, extra] of paths) {
  test(`argv, argv[0] included, reaches the program unchanged (${path})`, async () => {
    const child = spawn('/bin/cat', ['my-cat', '/proc/self/cmdline'], extra);
    const out = await collect(child.stdout);
    assert.equal(out.toString(), 'my-cat\0/proc/self/cmdline\0');
    assert.deepEqual(await exitOf(child.pid), { code: 0, signal: null, coreDumped: false });
  });

  test(`the environment is exactly the one given (${path})`, async () => {
    const child = spawn('/usr/bin/env', ['env'], { ...extra, env: { A: '1', B: 'x=y', EMPTY: '', 'WITH SPACE': 'a b' } });
    assert.equal((await collect(child.stdout)).toString(), 'A=1\nB=x=y\nEMPTY=\nWITH SPACE=a b\n');
  });

  test(`the child starts in the requested directory (${path})`, async () => {
    const child = spawn('/bin/pwd', ['pwd'], { ...extra, cwd: dir.path });
    assert.equal((await collect(child.stdout)).toString(), `${dir.path}\n`);
  });

  test(`the child leads its own process group in the agent's session (${path})`, async () => {
    const child = spawn('/bin/sleep', ['sleep', '100'], extra);
    const [, ppid, pgrp, session] = procStat(child.pid);
    assert.equal(Number(ppid), process.pid);
    assert.equal(Number(pgrp), child.pid);
    assert.equal(session, procStat('self')[3], 'setpgid, not setsid');
    assert.equal(spawner.kill(child.pid, 'SIGKILL', true), null);
    await exitOf(child.pid);
  });

  test(`the child has default signal dispositions and an empty mask, so SIGPIPE kills it (${path})`, async () => {
    const status = spawn('/bin/cat', ['cat', '/proc/self/status'], extra);
    const lines = (await collect(status.stdout)).toString();
    assert.match(lines, /^SigIgn:\s+0{16}$/m);
    assert.match(lines, /^SigBlk:\s+0{16}$/m);
    // Writing into a pipe nobody reads: default SIGPIPE ends the writer with the signal.
    const writer = spawn('/usr/bin/yes', ['yes'], extra);
    writer.stdout.destroy();
    assert.deepEqual(await exitOf(writer.pid), { code: null, signal: 'SIGPIPE', coreDumped: false });
  });

  test(`the child has only fds 0, 1 and 2 open (${path})`, async () => {
    const child = spawn('/bin/sh', ['sh', '-c', 'ls /proc/$$/fd'], extra);
    assert.equal((await collect(child.stdout)).toString(), '0\n1\n2\n');
  });

  test(`redirectStderr sends stdout and stderr through one pipe in write order (${path})`, async () => {
    const script = 'for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done';
    const child = spawn('/bin/sh', ['sh', '-c', script], { ...extra, redirectStderr: true });
    assert.equal(child.stderr, null);
    const expected = [1, 2, 3, 4, 5].map((i) => `out${i}\nerr${i}\n`).join('');
    assert.equal((await collect(child.stdout)).toString(), expected);
  });

  test(`a missing directory gives a real pid that exits 127 with supervisord's message (${path})`, async () => {
    const child = spawn('/bin/true', ['true'], { ...extra, cwd: join(dir.path, 'missing') });
    assert.ok(child.pid > 0);
    const err = collect(child.stderr);
    assert.deepEqual(await exitOf(child.pid), { code: 127, signal: null, coreDumped: false });
    assert.equal(
      (await err).toString(),
      `supervisor: couldn't chdir to ${join(dir.path, 'missing')}: ENOENT\nsupervisor: child process was not spawned\n`,
    );
  });

  test(`a file that cannot be executed gives a real pid that exits 127 with supervisord's message (${path})`, async () => {
    const file = join(dir.path, `not-executable-${path}`);
    writeFileSync(file, '#!/bin/sh\n');
    chmodSync(file, 0o644);
    const child = spawn(file, ['as-written'], extra);
    const err = collect(child.stderr);
    assert.deepEqual(await exitOf(child.pid), { code: 127, signal: null, coreDumped: false });
    assert.equal((await err).toString(), "supervisor: couldn't exec as-written: EACCES\nsupervisor: child process was not spawned\n");
  });
}

test('an fd the agent inherited without O_CLOEXEC does not reach the child, on either path', () => {
  // Node opens everything O_CLOEXEC, so the check above cannot fail for want of closefrom; an
  // inherited fd 5 can. A second Node process (spawnSync is safe here, see native-spawner.ts)
  // gets fd 5 from us and spawns through the addon.
  const addon = new URL('../agent/native/addon.js', import.meta.url).href;
  const script = `
    import { readFileSync, readdirSync } from 'node:fs';
    import { native } from ${JSON.stringify(addon)};
    const lists = [readdirSync('/proc/self/fd').includes('5') ? 'own fd 5' : 'no fd 5'];
    for (const umask of [-1, 0o22]) {
      const r = native.spawn('/bin/sh', ['sh', '-c', 'ls /proc/$$/fd'], [], null, umask, -1, -1, null, true);
      lists.push(readFileSync(r.stdout, 'utf8').trim().split('\\n').join(','));
    }
    console.log(lists.join(' | '));`;
  const out = execFileSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit', 'ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  assert.equal(out.trim(), 'own fd 5 | 0,1,2 | 0,1,2');
});

test('umask applies in the child: files it creates get the masked mode', async () => {
  for (const [umask, mode] of [
    [0o077, 0o600],
    [0o027, 0o640],
  ] as const) {
    const file = join(dir.path, `umask-${umask.toString(8)}`);
    const child = spawn('/usr/bin/touch', ['touch', file], { umask });
    assert.equal((await exitOf(child.pid)).code, 0);
    assert.equal(statSync(file).mode & 0o777, mode);
  }
});

test('exit codes, signals and core dumps are reported as such', async (t) => {
  const code = spawn('/bin/sh', ['sh', '-c', 'exit 7']);
  assert.deepEqual(await exitOf(code.pid), { code: 7, signal: null, coreDumped: false });

  const term = spawn('/bin/sh', ['sh', '-c', 'kill -TERM $$']);
  assert.deepEqual(await exitOf(term.pid), { code: null, signal: 'SIGTERM', coreDumped: false });

  if (readFileSync('/proc/sys/kernel/core_pattern', 'utf8').startsWith('|')) {
    t.skip('core dumps are piped to a handler on this machine');
    return;
  }
  const coreDir = join(dir.path, 'core');
  mkdirSync(coreDir);
  const core = spawn('/bin/sh', ['sh', '-c', 'ulimit -c unlimited; kill -QUIT $$'], { cwd: coreDir });
  assert.deepEqual(await exitOf(core.pid), { code: null, signal: 'SIGQUIT', coreDumped: true });
  assert.ok(readdirSync(coreDir).some((name) => name.startsWith('core')));
});

test('kill to the group reaches a grandchild; kill to the pid alone does not', async () => {
  const child = spawn('/bin/sh', ['sh', '-c', 'sleep 100 & echo $!; wait']);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const grandchild = Number(await waitFor(() => output.match(/^(\d+)\n/)?.[1], { what: 'the grandchild pid' }));

  assert.equal(spawner.kill(child.pid, 'SIGUSR1', false), null);
  assert.equal((await exitOf(child.pid)).signal, 'SIGUSR1');
  assert.equal(isDead(grandchild), false, 'a signal to the pid stays with the pid');

  assert.equal(spawner.kill(child.pid, 'SIGTERM', true), null, 'the group outlives its leader');
  await waitFor(() => isDead(grandchild), { what: `grandchild ${grandchild} to die` });
});

test('kill right after a fork-path spawn finds the new group', async () => {
  const child = spawn('/bin/sleep', ['sleep', '100'], { umask: 0o022 });
  assert.equal(spawner.kill(child.pid, 'SIGTERM', true), null);
  assert.equal((await exitOf(child.pid)).signal, 'SIGTERM');
});

test('stdin: written data reaches the child, close gives it EOF, and writes after exit are NO_FILE', async () => {
  const child = spawn('/bin/cat', ['cat']);
  const out = collect(child.stdout);
  child.writeStdin(Buffer.from('hello\n'));
  child.closeStdin();
  child.closeStdin();
  assert.equal((await out).toString(), 'hello\n');
  assert.equal((await exitOf(child.pid)).code, 0);
  assert.throws(() => child.writeStdin(Buffer.from('late')), (err) => isFleetError(err, 'NO_FILE'));
});

test('stdin: a child that closed its stdin gives NO_FILE, one that does not read gives FAILED when the pipe is full', async () => {
  const closed = spawn('/bin/sh', ['sh', '-c', 'exec 0<&-; echo ready; exec sleep 100']);
  let ready = '';
  closed.stdout.on('data', (chunk: Buffer) => (ready += chunk.toString()));
  await waitFor(() => ready === 'ready\n', { what: 'the child to close its stdin' });
  assert.throws(() => closed.writeStdin(Buffer.from('x')), (err) => isFleetError(err, 'NO_FILE'));

  const idle = spawn('/bin/sleep', ['sleep', '100']);
  assert.throws(
    () => idle.writeStdin(Buffer.alloc(4 << 20)),
    (err) => isFleetError(err, 'FAILED') && /stdin pipe is full: \d+ of 4194304 bytes written/.test(err.message),
  );
  spawner.kill(closed.pid, 'SIGKILL', true);
  spawner.kill(idle.pid, 'SIGKILL', true);
  await exitOf(closed.pid);
  await exitOf(idle.pid);
});

test('takeOutputFds hands over the raw pipes once, instead of the streams', async () => {
  const child = spawn('/bin/sh', ['sh', '-c', 'echo out; echo err >&2']);
  assert.ok(child.takeOutputFds);
  const fds = child.takeOutputFds();
  assert.throws(() => child.takeOutputFds!(), (err) => isFleetError(err, 'INTERNAL'));
  assert.throws(() => child.stdout, (err) => isFleetError(err, 'INTERNAL'));
  assert.ok(fds.stderr !== null);
  assert.equal(readFileSync(fds.stdout, 'utf8'), 'out\n');
  assert.equal(readFileSync(fds.stderr, 'utf8'), 'err\n');
  closeSync(fds.stdout);
  closeSync(fds.stderr);
  await exitOf(child.pid);

  const wrapped = spawn('/bin/true', ['true'], { redirectStderr: true });
  wrapped.stdout.resume();
  assert.throws(() => wrapped.takeOutputFds!(), (err) => isFleetError(err, 'INTERNAL'));
  await exitOf(wrapped.pid);
});

test('pipes nobody claimed are closed when the child is reaped', async () => {
  const openFds = (): number => readdirSync('/proc/self/fd').length;
  const before = openFds();
  const child = spawn('/bin/true', ['true']);
  assert.equal(openFds(), before + 3);
  await exitOf(child.pid);
  assert.equal(openFds(), before);
});

test('200 children spawned in a loop are each reported exactly once with their own status', async () => {
  const expected = new Map<number, number>();
  for (let i = 0; i < 200; i++) {
    const child = spawn('/bin/sh', ['sh', '-c', `exit ${i % 50}`]);
    child.stdout.resume();
    child.stderr?.resume();
    expected.set(child.pid, i % 50);
  }
  await waitFor(() => [...expected.keys()].every((pid) => exits.has(pid)), { what: '200 exits' });
  // A later child's exit is reported after any duplicate of the earlier ones would have been.
  const sentinel = spawn('/bin/true', ['true']);
  await exitOf(sentinel.pid);
  for (const [pid, code] of expected) {
    assert.deepEqual(exits.get(pid), [{ code, signal: null, coreDumped: false }], `pid ${pid}`);
  }
});

test('children started around the spawner (addon called directly) are reaped and reported too', async () => {
  const { pid, stdin, stdout, stderr } = native.spawn('/bin/true', ['true'], [], null, -1, -1, -1, null, false);
  for (const fd of [stdin, stdout, stderr]) closeSync(fd);
  started.add(pid);
  assert.deepEqual(await exitOf(pid), { code: 0, signal: null, coreDumped: false });
});

test('spawn throws SPAWN_ERROR with the errno as cause.code when no pipe can be made, and leaks no fd', () => {
  const openFds = (): number => readdirSync('/proc/self/fd').length;
  const limit = native.getrlimit('nofile');
  const before = openFds();
  assert.equal(native.setrlimit('nofile', before + 2, limit.hard), null);
  try {
    assert.throws(
      () => spawn('/bin/true', ['true']),
      (err) => isFleetError(err, 'SPAWN_ERROR') && (err.cause as NodeJS.ErrnoException).code === 'EMFILE',
    );
  } finally {
    assert.equal(native.setrlimit('nofile', limit.soft, limit.hard), null);
  }
  assert.equal(openFds(), before);
});

test('a second spawner cannot open while one is open', () => {
  assert.throws(() => new NativeSpawner(), (err) => isFleetError(err, 'INTERNAL'));
});

test('unknown files are the engine\'s job: the spawner reports exec failure from the child', async () => {
  const missing = join(dir.path, 'no-such-program');
  assert.equal(existsSync(missing), false);
  const child = spawn(missing, ['no-such-program']);
  const err = collect(child.stderr);
  assert.equal((await exitOf(child.pid)).code, 127);
  assert.match((await err).toString(), /^supervisor: couldn't exec no-such-program: ENOENT\n/);
});

/** spawnAsync as a promise of its outcome; children are tracked for cleanup. */
function spawnAsync(file: string, argv: string[]): Promise<SpawnOutcome> {
  return new Promise((resolve) => {
    spawner.spawnAsync({ file, argv, env: { PATH: '/usr/bin:/bin' }, cwd: null, umask: null, user: null, redirectStderr: true }, (outcome) => {
      if (outcome.ok) started.add(outcome.child.pid);
      resolve(outcome);
    });
  });
}

/** Children of this process (of any of its threads, the pool's included), zombies too. */
function ownChildren(): number[] {
  return readdirSync('/proc/self/task').flatMap((tid) =>
    readFileSync(`/proc/self/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
  );
}

test('spawnAsync gives the child with its pipes and creation time; its exit is reported as for spawn()', async () => {
  const before = Date.now();
  const outcome = await spawnAsync('/bin/sh', ['sh', '-c', 'echo out; echo err >&2; exit 4']);
  assert.ok(outcome.ok);
  const { child } = outcome;
  const after = Date.now();
  // Whole ms, never later than Date.now() read after it: laststart must not be in the future.
  assert.ok(Number.isInteger(child.startedAt) && child.startedAt >= before && child.startedAt <= after, `${before} ${child.startedAt} ${after}`);
  assert.equal(child.stderr, null, 'redirectStderr');
  assert.equal((await collect(child.stdout)).toString(), 'out\nerr\n');
  assert.deepEqual(await exitOf(child.pid), { code: 4, signal: null, coreDumped: false });
});

// This guards against an exit reported as an unknown pid when SIGCHLD is handled before the
// pool's answer: the child below has exited and is a zombie before JS hears of its pid.
test('an exit reaped before the spawnAsync result arrives is reported right after that result', async () => {
  const known = new Set(ownChildren());
  const order: string[] = [];
  // Children of earlier tests (in `known`) may be reaped here too; they are left out.
  const off = spawner.onExit((pid) => void (known.has(pid) || order.push(`exit ${pid}`)));
  try {
    const pending = new Promise<number>((resolve) => {
      spawner.spawnAsync(
        { file: '/bin/true', argv: ['true'], env: {}, cwd: null, umask: null, user: null, redirectStderr: true },
        (outcome) => {
          assert.ok(outcome.ok);
          started.add(outcome.child.pid);
          order.push(`done ${outcome.child.pid}`);
          resolve(outcome.child.pid);
        },
      );
    });
    // Hold the JS thread (so the answer cannot be handled) until the child is a zombie.
    const pause = new Int32Array(new SharedArrayBuffer(4));
    const zombie = (): boolean =>
      ownChildren().some((pid) => !known.has(pid) && readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] === 'Z');
    for (let waited = 0; !zombie(); waited += 10) {
      assert.ok(waited < 10_000, 'the child did not exit within 10 s');
      Atomics.wait(pause, 0, 0, 10);
    }
    process.emit('SIGCHLD'); // reaps it now, while its spawn is still in flight
    assert.deepEqual(order, [], 'nothing reported before the spawn result');
    const pid = await pending;
    await exitOf(pid);
    assert.deepEqual(order, [`done ${pid}`, `exit ${pid}`]);
  } finally {
    off();
  }
});

test('spawnAsync reports SPAWN_ERROR with the errno as cause.code, as spawn throws it, and leaks no fd', async () => {
  const before = openFds();
  const outcome = await withFreeFds(1, () => spawnAsync('/bin/true', ['true']));
  assert.ok(!outcome.ok);
  assert.ok(isFleetError(outcome.error, 'SPAWN_ERROR'));
  assert.equal((outcome.error.cause as NodeJS.ErrnoException).code, 'EMFILE');
  assert.equal(outcome.error.message, 'pipe2 failed: EMFILE');
  assert.deepEqual(openFds(), before);
});

test('spawnAsync answers in the order the spawns were requested, whichever finishes first', async () => {
  const answered: number[] = [];
  // The first, alone, is spawned on the JS thread; the others go to the pool, where the second
  // goes through fork() (a umask is set), slower than the posix_spawns behind it.
  const requests = Array.from({ length: 12 }, (_, i) => ({ i, umask: i === 1 ? 0o022 : null }));
  await Promise.all(
    requests.map(
      ({ i, umask }) =>
        new Promise<void>((resolve) => {
          spawner.spawnAsync(
            { file: '/bin/true', argv: ['true'], env: {}, cwd: null, umask, user: null, redirectStderr: true },
            (outcome) => {
              assert.ok(outcome.ok);
              started.add(outcome.child.pid);
              answered.push(i);
              resolve();
            },
          );
        }),
    ),
  );
  assert.deepEqual(answered, requests.map(({ i }) => i));
});
