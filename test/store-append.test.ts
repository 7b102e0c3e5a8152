import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { EventRows } from '../common/event-rows.js';
import { rejectsWith } from './helpers/fleet-error.js';
import { dbPath, exit, gap, openStore, transition, transitions, appendAll } from './helpers/store-fixtures.js';
import { makeTempDir } from './helpers/temp-dir.js';

const temp = makeTempDir('fleetvisor-store-');
after(() => temp.remove());

test('an append resolves with the highest stored seq and the events it stored', async () => {
  await using store = await openStore(temp.fresh());
  const result = await appendAll(store, 'web-1', [transition('web-1', 1), exit('web-1', 2), gap('web-1', 3, 4, 9)]);
  assert.equal(result.lastSeq, 3);
  assert.deepEqual(result.stored, [1, 2, 3]);
  assert.equal((await store.getHost('web-1'))?.lastSeq, 3);
});

test('seqs already stored are ignored, also after a reopen', async () => {
  const dir = temp.fresh();
  {
    await using store = await openStore(dir);
    await appendAll(store, 'web-1', transitions('web-1', 1, 5));
    const again = await appendAll(store, 'web-1', transitions('web-1', 3, 5));
    assert.deepEqual(again.stored, [6, 7], 'only the new seqs are stored');
    assert.equal(again.lastSeq, 7);
  }
  await using store = await openStore(dir);
  assert.equal((await store.getHost('web-1'))?.lastSeq, 7, 'lastSeq is read back from the file');
  const resend = await appendAll(store, 'web-1', transitions('web-1', 1, 9));
  assert.deepEqual(resend.stored, [8, 9]);
  const seqs = (await store.history({ select: { hosts: ['web-1'] }, limit: 100 })).map((e) => ('seq' in e ? e.seq : -1));
  assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6, 7, 8, 9], 'every seq exactly once');
});

test('each append of one commit learns which of its seqs it stored, rows that start past their first included', async () => {
  await using store = await openStore(temp.fresh(), { batchWindowMs: 50 });
  // Two appends in one transaction: the first's rows start at its third, and the second repeats seqs 3-5.
  const [first, second] = await Promise.all([
    store.appendEvents('web-1', [EventRows.fromEvents(transitions('web-1', 1, 5)).after(2)]),
    store.appendEvents('web-1', [EventRows.fromEvents(transitions('web-1', 1, 2)), EventRows.fromEvents(transitions('web-1', 3, 4))]),
  ]);
  assert.deepEqual(first.stored, [3, 4, 5]);
  assert.deepEqual(second.stored, [1, 2, 6]);
  assert.equal(second.lastSeq, 6);
  const seqs = (await store.history({ select: { hosts: ['web-1'] }, limit: 100 })).map((e) => ('seq' in e ? e.seq : -1));
  assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6], 'each seq once');
});

test('the same events appended twice before a commit are stored once', async () => {
  await using store = await openStore(temp.fresh(), { batchWindowMs: 50 });
  const [first, second] = await Promise.all([
    appendAll(store, 'web-1', transitions('web-1', 1, 3)),
    appendAll(store, 'web-1', transitions('web-1', 1, 4)),
  ]);
  assert.deepEqual(first.stored, [1, 2, 3]);
  assert.deepEqual(second.stored, [4]);
  assert.equal(first.lastSeq, 4, 'both resolve after the one commit that holds them');
  assert.equal(second.lastSeq, 4);
});

test('appends from many hosts wait for the window and share one transaction', async () => {
  const dir = temp.fresh();
  await using store = await openStore(dir, { batchWindowMs: 50 });
  const hosts = Array.from({ length: 50 }, (_, i) => `host-${i}`);
  for (const host of hosts) await store.recordConnect({ name: host, labels: {}, agentVersion: '1', peer: 'p', time: 1 });
  const spy = new Database(dbPath(dir), { readonly: true });
  // WAL frames written so far: each commit appends the pages it changed, so 50 commits would add well over 100.
  const walFrames = (): number => (statSync(`${dbPath(dir)}-wal`).size - 32) / (4096 + 24);
  try {
    const before = walFrames();
    const pending = hosts.map((host) => appendAll(store, host, [transition(host, 1)]));
    assert.equal(spy.prepare('SELECT count(*) FROM events').pluck().get(), 0, 'nothing is committed before the window has passed');
    const results = await Promise.all(pending);
    assert.ok(results.every((r) => r.lastSeq === 1));
    assert.equal(spy.prepare('SELECT count(*) FROM events').pluck().get(), 50);
    assert.ok(walFrames() - before < 20, `one commit wrote ${walFrames() - before} WAL frames`);
  } finally {
    spy.close();
  }
});

test('a full batch is committed without waiting for the window', async () => {
  await using store = await openStore(temp.fresh(), { batchWindowMs: 60_000, batchMaxRows: 10 });
  const started = Date.now();
  const result = await appendAll(store, 'web-1', transitions('web-1', 1, 10));
  assert.equal(result.lastSeq, 10);
  assert.ok(Date.now() - started < 30_000, 'did not wait for the 60 s window');
});

test('flush() commits what is waiting', async () => {
  await using store = await openStore(temp.fresh(), { batchWindowMs: 60_000 });
  const pending = appendAll(store, 'web-1', transitions('web-1', 1, 2));
  await store.flush();
  assert.equal((await store.getHost('web-1'))?.lastSeq, 2);
  assert.equal((await pending).lastSeq, 2);
});

test('close() twice resolves both times, and later calls fail with SHUTDOWN_STATE', async () => {
  const dir = temp.fresh();
  const store = await openStore(dir, { batchWindowMs: 60_000 });
  const pending = appendAll(store, 'web-1', transitions('web-1', 1, 3));
  const first = store.close();
  const second = store.close();
  assert.equal(first, second, 'the same promise');
  await Promise.all([first, second]);
  assert.equal((await pending).lastSeq, 3, 'what was queued is committed by close()');
  await store.close();
  await rejectsWith(appendAll(store, 'web-1', [transition('web-1', 4)]), 'SHUTDOWN_STATE', /is closed/);
  await rejectsWith(store.history({ limit: 1 }), 'SHUTDOWN_STATE');
  await using reopened = await openStore(dir);
  assert.equal((await reopened.getHost('web-1'))?.lastSeq, 3);
});
