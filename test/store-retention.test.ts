import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { HistoryEvent } from '../common/fleet-event.js';
import { openStore, transition, appendAll } from './helpers/store-fixtures.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const temp = makeTempDir('fleetvisor-store-');
after(() => temp.remove());

const seqsOf = (events: HistoryEvent[]): string[] => events.map((e) => (e.kind === 'action' ? `action ${e.id}` : `${e.host}#${e.seq}`));

/** 50 events on each of two hosts, interleaved in time: a#1 at 1001, b#1 at 1002, a#2 at 1003... */
const interleaved = (host: 'a' | 'b') => Array.from({ length: 50 }, (_, i) => transition(host, i + 1, { time: 1_001 + 2 * i + (host === 'b' ? 1 : 0) }));

test('beyond maxEvents the oldest events go, in steps', async () => {
  await using store = await openStore(temp.fresh(), { retention: { maxEvents: 30, stepRows: 7 } });
  await Promise.all([appendAll(store, 'a', interleaved('a')), appendAll(store, 'b', interleaved('b'))]);
  const before = await store.history({ limit: 1000 });
  assert.equal(await store.prune(), 70);
  assert.deepEqual(seqsOf(await store.history({ limit: 1000 })), seqsOf(before.slice(-30)));
  assert.equal(await store.prune(), 0, 'within the bound: nothing more to do');
});

test('events older than maxAgeMs go, by their own time', async () => {
  let now = 1_060;
  await using store = await openStore(temp.fresh(), { retention: { maxAgeMs: 50, stepRows: 4 }, now: () => now });
  await Promise.all([appendAll(store, 'a', interleaved('a')), appendAll(store, 'b', interleaved('b'))]);
  assert.equal(await store.prune(), 9, 'times 1001..1009 are older than 1010');
  assert.equal((await store.history({ limit: 1 })).length, 1);
  assert.deepEqual(seqsOf(await store.history({ limit: 1000, until: 1_012 })), ['b#5', 'a#6']);
  now = 2_000;
  assert.equal(await store.prune(), 91);
});

test('a pruned event is not stored again when an agent resends it', async () => {
  await using store = await openStore(temp.fresh(), { retention: { maxEvents: 10 } });
  await appendAll(store, 'a', interleaved('a'));
  await store.prune();
  const resend = await appendAll(store, 'a', interleaved('a'));
  assert.deepEqual(resend, { lastSeq: 50, stored: [] });
  assert.equal((await store.history({ limit: 1000 })).length, 10);
});

test('operator actions are kept whatever the event bound', async () => {
  await using store = await openStore(temp.fresh(), { retention: { maxEvents: 1, maxAgeMs: 1 }, now: () => 1_000_000 });
  await store.recordAction({ time: 5, who: 'alice', origin: 'local', action: 'stop', addresses: ['all'], hosts: [], result: 'ok' });
  await appendAll(store, 'a', interleaved('a'));
  await store.prune();
  assert.deepEqual(seqsOf(await store.history({ limit: 1000 })), ['action 1']);
});

test('the background pruner keeps the bound without being asked, yielding between steps', async () => {
  await using store = await openStore(temp.fresh(), { retention: { maxEvents: 5, stepRows: 2, intervalMs: 20 } });
  let ticks = 0;
  let done = false;
  const tick = (): void => {
    ticks++;
    if (!done) setImmediate(tick);
  };
  await Promise.all([appendAll(store, 'a', interleaved('a')), appendAll(store, 'b', interleaved('b'))]);
  setImmediate(tick);
  await waitFor(async () => (await store.history({ limit: 1000 })).length === 5, { what: 'the background pruner to leave 5 events' });
  done = true;
  // 95 rows in steps of 2 is 48 steps, each followed by a turn of the event loop.
  assert.ok(ticks >= 40, `the event loop turned ${ticks} times while pruning`);
});
