import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NewEvent, SpooledEvent } from '../agent/link/link-event.js';
import { segmentBytesFor, Spool } from '../agent/link/spool.js';
import { recordingLogger } from './helpers/recording-logger.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const tmp = makeTempDir('fleetvisor-link-spool-');
after(() => tmp.remove());

const MB = 1024 * 1024;

function exitEvent(pid: number): NewEvent {
  return { kind: 'exit', time: 1_700_000_000_000 + pid, group: 'web', name: 'web_0', pid, exitStatus: 0, signal: null, expected: true };
}

function open(dir: string, maxBytes = 64 * MB, logger = recordingLogger()): Spool {
  return Spool.open(dir, { maxBytes, logger, clock: () => 42 });
}

async function durable(spool: Spool, seq: number): Promise<void> {
  await waitFor(() => spool.durableSeq >= seq, { what: `durable seq ${seq}; at ${spool.durableSeq}` });
}

/** Waits until everything appended, gaps the spool added itself included, is durable. */
async function settled(spool: Spool): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await waitFor(() => spool.durableSeq === spool.lastSeq, { what: `durable seq ${spool.lastSeq}; at ${spool.durableSeq}` });
}

/** Every durable event after `after`, read the way the link reads: in batches. */
function readAll(spool: Spool, after = 0, batchBytes = 4096): SpooledEvent[] {
  const out: SpooledEvent[] = [];
  for (let batch = spool.read(after, batchBytes); batch.length > 0; batch = spool.read(after, batchBytes)) {
    out.push(...batch);
    after = batch.at(-1)!.seq;
  }
  return out;
}

const seqs = (events: readonly SpooledEvent[]): number[] => events.map((e) => e.seq);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('a transition spooled by an earlier build with the whole process info is read back with its detail', async () => {
  const dir = tmp.fresh();
  const spool = open(dir);
  const info = { name: 'web', group: 'web', description: 'pid 7, uptime 0:00:01', start: 100, stop: 50, now: 101, state: 20, statename: 'RUNNING', spawnerr: '', exitstatus: 3, stdoutLogfile: '', stderrLogfile: '', pid: 7 };
  // What an earlier build appended: the same record format, the info in place of the detail.
  const older = { kind: 'transition', time: 101_000, group: 'web', name: 'web', from: 'STARTING', to: 'RUNNING', pid: 7, info };
  spool.append(older as unknown as NewEvent);
  spool.append({ ...older, info: null } as unknown as NewEvent);
  await settled(spool);
  spool.close();

  const again = open(dir);
  const [known, unknown] = readAll(again);
  assert.deepEqual(known, { kind: 'transition', seq: 1, time: 101_000, group: 'web', name: 'web', from: 'STARTING', to: 'RUNNING', pid: 7, detail: { start: 100, stop: 50, exitstatus: 3, spawnerr: '' } });
  assert.deepEqual(unknown && 'detail' in unknown && unknown.detail, null, 'an info the engine no longer had reads as no detail');
  again.close();
});

test('numbers events from 1, makes them durable after the turn, and continues the count after a reopen', async () => {
  const dir = tmp.fresh();
  const spool = open(dir);
  assert.equal(spool.lastSeq, 0);
  assert.deepEqual([spool.append(exitEvent(1)), spool.append(exitEvent(2)), spool.append(exitEvent(3))], [1, 2, 3]);
  assert.equal(spool.durableSeq, 0, 'nothing is durable before it is written and synced');
  assert.deepEqual(spool.read(0), [], 'and nothing is read before it is durable');
  await durable(spool, 3);
  assert.deepEqual(spool.read(1).map((e) => [e.seq, e.kind === 'exit' && e.pid]), [[2, 2], [3, 3]]);
  spool.close();
  spool.close();

  const again = open(dir);
  assert.equal(again.lastSeq, 3);
  assert.equal(again.append(exitEvent(4)), 4);
  await durable(again, 4);
  assert.deepEqual(seqs(readAll(again)), [1, 2, 3, 4], 'read back from disk after the reopen');
  again.close();
});

test('events survive a writer killed with SIGKILL, and the counter continues after the last one it wrote', async () => {
  const dir = tmp.fresh();
  const writer = spawn(process.execPath, [fileURLToPath(new URL('./helpers/spool-writer.js', import.meta.url)), dir, String(64 * MB)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let reported = 0;
  writer.stdout!.setEncoding('utf8').on('data', (text: string) => {
    for (const line of text.split('\n')) if (line) reported = Math.max(reported, Number(line));
  });
  await waitFor(() => reported >= 300, { what: 'the writer to report 300 durable events', timeoutMs: 60_000 });
  writer.kill('SIGKILL');
  await once(writer, 'exit');

  const logger = recordingLogger();
  const spool = open(dir, 64 * MB, logger);
  assert.ok(spool.lastSeq >= reported, `last seq ${spool.lastSeq} covers every seq reported durable (${reported})`);
  const events = readAll(spool, 0, 256 * 1024);
  assert.deepEqual(seqs(events), range(1, spool.lastSeq), 'every event from 1 on, none twice, none missing');
  const next = spool.append(exitEvent(1));
  assert.equal(next, spool.lastSeq);
  assert.equal(next, events.length + 1);
  spool.close();
});

test('a torn last record is cut off at open with a warning, and its seq is given again', async () => {
  const dir = tmp.fresh();
  const spool = open(dir);
  for (let i = 1; i <= 5; i++) spool.append(exitEvent(i));
  await durable(spool, 5);
  spool.close();
  const [segment] = readdirSync(dir).filter((n) => n.endsWith('.seg'));
  const path = join(dir, segment!);
  const whole = statSync(path).size;
  // A header announcing 300 bytes and the first 20 of them: a write cut short by SIGKILL.
  const header = Buffer.alloc(8);
  header.writeUInt32LE(300, 0);
  appendFileSync(path, Buffer.concat([header, Buffer.from('{"kind":"exit","seq":')]));

  const logger = recordingLogger();
  const again = open(dir, 64 * MB, logger);
  assert.equal(again.lastSeq, 5);
  assert.equal(statSync(path).size, whole, 'the torn bytes are gone');
  assert.ok(logger.lines.some(([level, m]) => level === 'warn' && m.includes('dropped 29 bytes') && m.includes(path)), JSON.stringify(logger.lines));
  assert.equal(again.append(exitEvent(6)), 6);
  await durable(again, 6);
  again.close();
  assert.deepEqual(seqs(readAll(open(dir))), [1, 2, 3, 4, 5, 6]);
});

test('a record with a bad checksum at the end is dropped like a torn one', async () => {
  const dir = tmp.fresh();
  const spool = open(dir);
  for (let i = 1; i <= 3; i++) spool.append(exitEvent(i));
  await durable(spool, 3);
  spool.close();
  const [segment] = readdirSync(dir).filter((n) => n.endsWith('.seg'));
  const path = join(dir, segment!);
  const data = readFileSync(path);
  data[data.length - 2] ^= 0xff; // flip a byte inside the last payload
  appendFileSync(join(dir, 'x'), ''); // unrelated files are ignored
  writeFileSync(path, data);
  const again = open(dir);
  assert.equal(again.lastSeq, 2);
  assert.deepEqual(seqs(readAll(again)), [1, 2]);
  again.close();
});

test('trim deletes the segments the controller acked, keeps the rest, and remembers the ack', async () => {
  const dir = tmp.fresh();
  const maxBytes = 1 * MB;
  const spool = open(dir, maxBytes);
  for (let i = 1; i <= 3000; i++) spool.append(exitEvent(i));
  await durable(spool, 3000);
  const segmentsBefore = readdirSync(dir).filter((n) => n.endsWith('.seg')).length;
  assert.ok(segmentsBefore >= 3, `several segments (${segmentsBefore}) of ${segmentBytesFor(maxBytes)} bytes`);
  const bytesBefore = spool.bytes;
  spool.trim(2000);
  assert.equal(spool.ackedSeq, 2000);
  assert.ok(spool.bytes < bytesBefore, 'whole segments were deleted');
  const left = readAll(spool, 2000);
  assert.deepEqual(seqs(left), range(2001, 3000), 'everything after the ack is still there');
  spool.trim(1500);
  assert.equal(spool.ackedSeq, 2000, 'an older ack changes nothing');
  spool.close();

  const again = open(dir, maxBytes);
  assert.equal(again.ackedSeq, 2000);
  assert.equal(again.lastSeq, 3000);
  spool.close();
  again.trim(3000);
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('.seg')).length, 1, 'the segment being written stays');
  assert.deepEqual(again.read(3000), []);
  again.close();
  assert.equal(open(dir, maxBytes).lastSeq, 3000, 'the counter survives a fully trimmed spool');
});

test('when full, the spool drops its oldest unacked events and appends a gap that says which', async () => {
  const dir = tmp.fresh();
  const maxBytes = 64 * 1024;
  const logger = recordingLogger();
  const spool = open(dir, maxBytes, logger);
  for (let i = 1; i <= 1000; i++) spool.append(exitEvent(i));
  await settled(spool);
  assert.ok(spool.bytes <= maxBytes, `${spool.bytes} bytes on disk, bound ${maxBytes}`);
  const events = readAll(spool);
  const gaps = events.filter((e) => e.kind === 'gap');
  assert.equal(gaps.length >= 1, true, 'at least one gap event');
  const gap = gaps.at(-1)!;
  assert.equal(gap.kind === 'gap' && gap.fromSeq, 1, 'the last gap covers everything dropped since the ack, earlier gaps included');
  const kept = events.filter((e) => e.kind !== 'gap').map((e) => e.seq);
  assert.equal(gap.kind === 'gap' && gap.toSeq, kept[0]! - 1, 'up to the first event kept');
  assert.deepEqual(kept, range(kept[0]!, 1000), 'the events kept are contiguous');
  assert.ok(logger.lines.some(([level, m]) => level === 'warn' && /is full .* dropped events 1\.\./.test(m)));

  // Another round drops the first gap event itself: the new gap takes over its range.
  for (let i = 1001; i <= 2000; i++) spool.append(exitEvent(i));
  await settled(spool);
  const later = readAll(spool).filter((e) => e.kind === 'gap');
  assert.ok(!later.some((e) => e.seq === gap.seq), 'the first gap was dropped');
  assert.equal(later.at(-1)!.kind === 'gap' && later.at(-1)!.fromSeq, 1);
  spool.close();
});

test('a gap never covers events the controller already acked', async () => {
  const dir = tmp.fresh();
  const maxBytes = 64 * 1024;
  const spool = open(dir, maxBytes);
  for (let i = 1; i <= 200; i++) spool.append(exitEvent(i));
  await durable(spool, 200);
  spool.trim(150);
  for (let i = 201; i <= 1200; i++) spool.append(exitEvent(i));
  await settled(spool);
  const gap = readAll(spool, 150).filter((e) => e.kind === 'gap').at(-1);
  assert.ok(gap && gap.kind === 'gap');
  assert.equal(gap.fromSeq, 151);
  spool.close();
});

test('an ack beyond the last seq (a spool older than the controller) moves the counter past it', async () => {
  const dir = tmp.fresh();
  const logger = recordingLogger();
  const spool = open(dir, 64 * MB, logger);
  spool.append(exitEvent(1));
  await durable(spool, 1);
  spool.trim(500);
  assert.equal(spool.append(exitEvent(2)), 501);
  await durable(spool, 501);
  assert.deepEqual(seqs(spool.read(500)), [501]);
  assert.ok(logger.lines.some(([level, m]) => level === 'warn' && m.includes('acked seq 500')));
  spool.close();
  assert.equal(open(dir).lastSeq, 501);
});

test('reads continue across segments and from any position, from memory or from disk', async () => {
  const dir = tmp.fresh();
  const spool = open(dir, 1 * MB);
  for (let i = 1; i <= 5000; i++) spool.append(exitEvent(i));
  await durable(spool, 5000);
  assert.deepEqual(seqs(readAll(spool, 0, 10_000)), range(1, 5000), 'from disk, then memory');
  assert.deepEqual(seqs(spool.read(4321, 1)), [4322], 'a small read returns one event');
  assert.deepEqual(seqs(readAll(spool, 1234, 50_000)), range(1235, 5000));
  spool.close();
});
