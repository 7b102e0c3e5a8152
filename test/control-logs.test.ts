import { test, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readlinkSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { followLogFile, type FollowChunk } from '../agent/control/log-follow.js';
import { readLogFile, tailLogFile } from '../agent/control/log-read.js';
import { ControlHarness } from './helpers/control-harness.js';
import { program, single } from './helpers/engine-harness.js';
import { rejectsWith } from './helpers/fleet-error.js';
import { waitFor } from './helpers/wait-for.js';

const h = new ControlHarness();
after(() => h.cleanup());

const FIFTY_TWO = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

test('readLog follows Supervisor\'s offset and length rules', async () => {
  const path = join(h.dir, 'read.log');
  writeFileSync(path, 'abcdefghij');
  const read = async (offset: number, length: number): Promise<string> => (await readLogFile(path, offset, length)).toString();
  assert.equal(await read(0, 0), 'abcdefghij', 'length 0 reads to the end');
  assert.equal(await read(2, 3), 'cde');
  assert.equal(await read(8, 100), 'ij');
  assert.equal(await read(20, 0), '');
  assert.equal(await read(-3, 0), 'hij', 'a negative offset with length 0 is the last bytes');
  assert.equal(await read(-30, 0), 'abcdefghij');
  await rejectsWith(readLogFile(path, -1, 5), 'BAD_ARGUMENTS', '');
  await rejectsWith(readLogFile(path, 0, -1), 'BAD_ARGUMENTS', '');
  const missing = join(h.dir, 'missing.log');
  await rejectsWith(readLogFile(missing, 0, 0), 'NO_FILE', missing);
  await rejectsWith(readLogFile(missing, -1, 5), 'NO_FILE', missing);
});

test('tail follows tailProcessStdoutLog on a 52-byte file (upstream\'s vectors)', async () => {
  const path = join(h.dir, 'tail.log');
  writeFileSync(path, FIFTY_TWO);
  const tail = async (offset: number, length: number): Promise<[string, number, boolean]> => {
    const r = await tailLogFile(path, offset, length);
    return [r.data.toString(), r.offset, r.overflow];
  };
  assert.deepEqual(await tail(0, 52), [FIFTY_TWO, 52, false]);
  assert.deepEqual(await tail(52, 10), ['', 52, false]);
  assert.deepEqual(await tail(60, 10), ['', 52, false]);
  assert.deepEqual(await tail(0, 5), ['VWXYZ', 52, true]);
  // Fewer than `length` bytes after offset: the last `length` bytes are returned all the same.
  assert.deepEqual(await tail(50, 10), ['QRSTUVWXYZ', 52, false]);
  assert.deepEqual(await tail(0, 1600), [FIFTY_TWO, 52, false]);
  assert.deepEqual((await tailLogFile(join(h.dir, 'missing.log'), 10, 10)).offset, 0);
});

test('the same rules hold through the API, and a channel without a log file reads as supervisord answers', async () => {
  const printer = h.engines.script('printer.sh', `printf '${FIFTY_TWO}'\nexec sleep 1000`);
  const agent = await h.agent(h.config([single(program('printer', printer, { startsecs: 0, redirectStderr: true }))]));
  const c = agent.client();
  const stdout = { process: { group: 'printer', name: 'printer' }, channel: 'stdout' as const, offset: 0, length: 0, tail: false };
  await waitFor(async () => (await c.readLog(stdout)).data.length === 52, { what: '52 bytes in the log' });
  assert.deepEqual(await c.readLog({ ...stdout, offset: 0, length: 5, tail: true }), { data: Buffer.from('VWXYZ'), offset: 52, overflow: true });
  assert.deepEqual(await c.readLog({ ...stdout, offset: 52, length: 10, tail: true }), { data: Buffer.alloc(0), offset: 52, overflow: false });
  assert.equal((await c.readLog({ ...stdout, offset: -2, length: 0 })).data.toString(), 'YZ');
  await rejectsWith(c.readLog({ ...stdout, offset: -1, length: 5 }), 'BAD_ARGUMENTS', '');
  // redirect_stderr: stderr has no file of its own.
  const stderr = { ...stdout, channel: 'stderr' as const };
  await rejectsWith(c.readLog(stderr), 'NO_FILE', '');
  assert.deepEqual(await c.readLog({ ...stderr, tail: true, length: 1600 }), { data: Buffer.alloc(0), offset: 0, overflow: false });
  await rejectsWith(
    // Bounded, so a follow that wrongly starts ends and fails the assertion instead of hanging the file.
    (async () => { for await (const _ of c.followLog({ process: stderr.process, channel: 'stderr', backlog: 10 }, AbortSignal.timeout(10_000))) void _; })(),
    'NO_FILE',
  );
});

interface Follow {
  readonly chunks: FollowChunk[];
  /** Bytes received so far. */
  readonly bytes: number;
  /** What was received, a truncation as `<truncated>`. */
  text(): string;
  /** Aborts the follow and waits for it to end; rejects if the follow failed. */
  stop(): Promise<void>;
}

/**
 * Runs a follow in the background until `stop()`. However the test ends, t.after aborts it and
 * waits for it, so a failed assertion cannot leave a follow polling and the file never exiting.
 */
function follow(t: TestContext, start: (signal: AbortSignal) => AsyncIterable<FollowChunk>): Follow {
  const abort = new AbortController();
  const chunks: FollowChunk[] = [];
  let bytes = 0;
  const done = (async () => {
    for await (const chunk of start(abort.signal)) {
      chunks.push(chunk);
      bytes += chunk.data.length;
    }
  })();
  t.after(async () => {
    abort.abort();
    await done.catch(() => undefined); // a failure was reported by stop() or the test failed first
  });
  return {
    chunks,
    get bytes() {
      return bytes;
    },
    text: () => chunks.map((c) => (c.truncated ? '<truncated>' : c.data.toString())).join(''),
    stop: async () => {
      abort.abort();
      await done;
    },
  };
}

test('a follow yields the backlog, then new bytes, across a rename-and-reopen rotation and a truncation', async (t) => {
  const path = join(h.dir, 'follow.log');
  writeFileSync(path, 'old-1\nold-2\n');
  const f = follow(t, (signal) => followLogFile(path, { backlog: 6, intervalMs: 10 }, signal));
  await waitFor(() => f.text() === 'old-2\n', { what: 'the backlog' });
  appendFileSync(path, 'more\n');
  await waitFor(() => f.text().endsWith('more\n'), { what: 'appended bytes' });
  // logrotate's move: the last bytes of the old file are still delivered, then the new file from its start.
  appendFileSync(path, 'last-of-old\n');
  renameSync(path, `${path}.1`);
  writeFileSync(path, 'first-of-new\n');
  await waitFor(() => f.text().endsWith('first-of-new\n'), { what: 'the new file' });
  assert.equal(f.text(), 'old-2\nmore\nlast-of-old\nfirst-of-new\n');
  // copytruncate: the file shrinks under the reader.
  truncateSync(path, 0);
  await waitFor(() => f.text().endsWith('<truncated>'), { what: 'the truncation' });
  appendFileSync(path, 'after\n');
  await waitFor(() => f.text().endsWith('after\n'), { what: 'bytes after the truncation' });
  assert.equal(f.text(), 'old-2\nmore\nlast-of-old\nfirst-of-new\n<truncated>after\n');
  await f.stop();
});

test('bytes written just before a rotation are followed, rotation after rotation', async (t) => {
  // The follow may have stat'ed the old file just before the last write and see the move just
  // after it; the write must still be read from the old file before the new one is opened.
  const path = join(h.dir, 'rotations.log');
  writeFileSync(path, 'start\n');
  const f = follow(t, (signal) => followLogFile(path, { backlog: 6, intervalMs: 1 }, signal));
  await waitFor(() => f.text() === 'start\n', { what: 'the backlog' });
  let expected = 'start\n';
  for (let i = 1; i <= 50; i++) {
    appendFileSync(path, `last-of-${i}\n`);
    renameSync(path, `${path}.1`);
    writeFileSync(path, `first-of-${i + 1}\n`);
    expected += `last-of-${i}\nfirst-of-${i + 1}\n`;
    await waitFor(() => f.text().endsWith(`first-of-${i + 1}\n`), { intervalMs: 1, what: `rotation ${i}` });
  }
  assert.equal(f.text(), expected);
  await f.stop();
});

/** How many of this process's fds point at `path` or its rotated copies. */
function openFds(path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(path);
    } catch {
      return false;
    }
  }).length;
}

test('a child log is followed through the API across its own rotation, and cancelling ends the follow cleanly', async (t) => {
  const writer = h.engines.script('writer.sh', 'i=1; while [ $i -le 60 ]; do printf "line %04d of the rotating log....\\n" $i; i=$((i+1)); sleep 0.01; done; exec sleep 1000');
  const channel = { logfile: { kind: 'file' as const, path: join(h.dir, 'writer.log') }, maxbytes: 1024, backups: 3, captureMaxbytes: 0, eventsEnabled: false, syslog: false };
  const agent = await h.agent(h.config([single(program('writer', writer, { startsecs: 0, autostart: false, stdout: channel }))]));
  const c = agent.client();
  const f = follow(t, (signal) => c.followLog({ process: { group: 'writer', name: 'writer' }, channel: 'stdout', backlog: 1 << 20 }, signal));
  // The agent writes the log through one fd; the follow opens a second one.
  await waitFor(() => openFds(join(h.dir, 'writer.log')) === 2, { what: 'the follow to open the log' });
  await c.start({ process: { group: 'writer', name: 'writer' } }, true);
  const expected = Array.from({ length: 60 }, (_, i) => `line ${String(i + 1).padStart(4, '0')} of the rotating log....\n`).join('');
  await waitFor(() => f.text() === expected, { timeoutMs: 10_000, what: '60 lines in order' });
  assert.ok(readdirSync(h.dir).includes('writer.log.1'), 'the log rotated meanwhile');
  await f.stop(); // ends without throwing
  await waitFor(() => openFds(join(h.dir, 'writer.log')) === 1, { what: 'the agent to close the followed file' });
});

test('a 10 MB single log line is read and followed intact', async (t) => {
  const size = 10 * 1024 * 1024;
  const big = h.engines.script('big-line.sh', `head -c ${size} /dev/zero | tr '\\0' 'x'; echo; exec sleep 1000`);
  const agent = await h.agent(h.config([single(program('big', big, { startsecs: 0, autostart: false }))]));
  const c = agent.client();
  const f = follow(t, (signal) => c.followLog({ process: { group: 'big', name: 'big' }, channel: 'stdout', backlog: 2 * size }, signal));
  await c.start({ process: { group: 'big', name: 'big' } }, true);
  await waitFor(() => f.bytes >= size + 1, { timeoutMs: 20_000, what: 'the whole line to be followed' });
  await f.stop();
  const line = Buffer.alloc(size + 1, 'x');
  line[size] = 0x0a;
  assert.ok(Buffer.concat(f.chunks.map((chunk) => chunk.data)).equals(line), 'followed bytes differ');
  assert.ok(f.chunks.length > 1, 'sent as several messages');
  const read = await c.readLog({ process: { group: 'big', name: 'big' }, channel: 'stdout', offset: 0, length: 0, tail: false });
  assert.ok(read.data.equals(line), 'read bytes differ');
  const tail = await c.readLog({ process: { group: 'big', name: 'big' }, channel: 'stdout', offset: 0, length: 1600, tail: true });
  assert.deepEqual([tail.data.length, tail.offset, tail.overflow], [1600, size + 1, true]);
});
