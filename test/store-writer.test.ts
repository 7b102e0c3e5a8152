import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import type { AgentEvent } from '../common/fleet-event.js';
import { EventRows, ROW_WIDTH } from '../common/event-rows.js';
import { forEachPackedRow, packEvents } from '../controller/store/sqlite-writer-protocol.js';
import { SqliteWriter } from '../controller/store/sqlite-writer.js';
import Database from 'better-sqlite3';
import { dbPath, openStore, transitions, appendAll } from './helpers/store-fixtures.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const temp = makeTempDir('fleetvisor-store-writer-');
after(() => temp.remove());

test('event rows cross to the writer thread packed and come out as the INSERT columns, NULL where a kind has no value', () => {
  const events: AgentEvent[] = [
    { kind: 'transition', host: 'a', seq: 1, time: 1_700_000_000_001, group: 'web', name: 'web_0', from: 'RUNNING', to: 'STOPPING', pid: 42 },
    { kind: 'exit', host: 'a', seq: 2, time: 1_700_000_000_002, group: 'web', name: 'web_0', pid: 42, exitStatus: null, signal: 'SIGTERM', expected: true },
    { kind: 'exit', host: 'a', seq: 3, time: 1_700_000_000_003, group: 'web', name: 'web_0', pid: 42, exitStatus: 0, signal: null, expected: false },
  ];
  const gap: AgentEvent = { kind: 'gap', host: 'b', seq: 9, time: 5, fromSeq: 4, toSeq: 8 };
  // Host 7's events in two batches, the second a view that starts past its first row.
  const packed = packEvents(
    [
      { hostId: 7, batches: [EventRows.fromEvents(events.slice(0, 1)), EventRows.fromEvents([events[0]!, ...events.slice(1)]).after(1)] },
      { hostId: 8, batches: [EventRows.fromEvents([gap])] },
    ],
    [7, 3, 8, 9],
  );
  assert.equal(packed.numbers.length, 4 * ROW_WIDTH);
  assert.deepEqual(packed.batches, [7, 1, 7, 2, 8, 1]);
  assert.deepEqual(packed.strings[1], ['web', 'web_0', 'SIGTERM'], "each batch's distinct strings once (states are numbers)");
  assert.deepEqual(packed.lastSeqs, [7, 3, 8, 9]);
  const rows: unknown[][] = [];
  forEachPackedRow(packed, (batch, i, hostId) => rows.push(batch.insertColumns(i, hostId, [])));
  assert.deepEqual(rows, [
    [7, 1, 1_700_000_000_001, 'transition', 'web', 'web_0', 'RUNNING', 'STOPPING', 42, null, null, null, null, null],
    [7, 2, 1_700_000_000_002, 'exit', 'web', 'web_0', null, null, 42, null, 'SIGTERM', 1, null, null],
    [7, 3, 1_700_000_000_003, 'exit', 'web', 'web_0', null, null, 42, 0, null, 0, null, null],
    [8, 9, 5, 'gap', null, null, null, null, null, null, null, null, 4, 8],
  ]);
});

/** The nice value of each thread of this process, from /proc. */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

test('the store writes on a thread of its own that runs below normal priority, and ends it on close', { skip: process.platform !== 'linux' }, async () => {
  const before = threadNices().length;
  const store = await openStore(temp.fresh());
  await appendAll(store, 'web-1', transitions('web-1', 1, 3));
  assert.deepEqual(
    threadNices().filter((nice) => nice === 10),
    [10],
    'one thread at nice 10',
  );
  await store.close();
  await waitFor(() => threadNices().length <= before, { what: 'the writer thread to end' });
});

test('an operator write waits for another connection to finish its transaction without stopping the event loop', async () => {
  const dir = temp.fresh();
  await using store = await openStore(dir);
  const other = new Database(dbPath(dir));
  other.prepare('BEGIN IMMEDIATE').run();
  let ticks = 0;
  let waiting = true;
  const tick = (): void => {
    ticks++;
    if (waiting) setImmediate(tick);
  };
  setImmediate(tick);
  const recorded = store.recordAction({ time: 1, who: 'admin', origin: 'test', action: 'restart', addresses: ['all'], hosts: [], result: 'ok' });
  await waitFor(() => ticks >= 20, { what: 'the event loop to turn while the write waits' });
  other.prepare('COMMIT').run();
  other.close();
  const id = await recorded;
  waiting = false;
  assert.ok(id > 0);
  assert.deepEqual(
    (await store.history({ limit: 10 })).map((e) => e.kind),
    ['action'],
  );
});

test('a writer thread that dies fails what waits and everything after with a clear error, and its owner hears of it once', async () => {
  const dir = temp.fresh();
  // A real thread that answers the first request (the ready check) and dies at the second.
  const script = join(dir, 'dying-writer.mjs');
  writeFileSync(
    script,
    "import { parentPort } from 'node:worker_threads';\nlet n = 0;\nparentPort.on('message', (r) => { if (n++ === 0) parentPort.postMessage({ id: r.id, ok: true, result: null }); else process.exit(3); });\n",
  );
  const died: Error[] = [];
  const writer = await SqliteWriter.start(dbPath(dir), (err) => died.push(err), pathToFileURL(script));
  await assert.rejects(writer.request('add-host', { name: 'web-1' }), /writer thread died \(exit code 3\)/);
  await assert.rejects(writer.request('add-host', { name: 'web-2' }), /writer thread died/, 'and every request after it');
  assert.equal(died.length, 1);
  await writer.close();
  await writer.close();
  assert.equal(died.length, 1, 'close() after the death is quiet');
});
