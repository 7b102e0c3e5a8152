import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { HostProcess } from '../controller/store/store.js';
import { dbPath, openStore, processInfo, appendAll } from './helpers/store-fixtures.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const temp = makeTempDir('fleetvisor-store-');
after(() => temp.remove());

function names(list: HostProcess[]): string[] {
  return list.map(({ host, info }) => `${host}/${info.group}:${info.name} ${info.statename}`);
}

test('a snapshot replaces the host\'s processes; upserts and removals change them one by one', async () => {
  await using store = await openStore(temp.fresh());
  await store.replaceProcesses('web-1', [processInfo('web', 'web'), processInfo('worker', 'worker_0'), processInfo('worker', 'worker_1')]);
  await store.replaceProcesses('db-1', [processInfo('db', 'db', 'FATAL')]);
  await store.replaceProcesses('web-1', [processInfo('worker', 'worker_1', 'STOPPED'), processInfo('api', 'api')]);
  assert.deepEqual(names(await store.listProcesses()), ['db-1/db:db FATAL', 'web-1/api:api RUNNING', 'web-1/worker:worker_1 STOPPED']);

  await store.upsertProcesses('web-1', [processInfo('worker', 'worker_1', 'STARTING'), processInfo('worker', 'worker_2')]);
  await store.removeProcesses('web-1', 'api', 'api');
  assert.deepEqual(names(await store.listProcesses(['web-1'])), ['web-1/worker:worker_1 STARTING', 'web-1/worker:worker_2 RUNNING']);
  await store.removeProcesses('web-1', 'worker', null);
  assert.deepEqual(names(await store.listProcesses(['web-1', 'nowhere'])), []);
});

test('the last known view and hosts survive a reopen', async () => {
  const dir = temp.fresh();
  {
    await using store = await openStore(dir);
    await store.recordConnect({ name: 'web-1', labels: { role: 'web' }, agentVersion: '0.1.0', peer: '10.0.0.5:4711', time: 5_000 });
    await store.recordConnect({ name: 'db-1', labels: {}, agentVersion: '0.1.0', peer: '10.0.0.6:4711', time: 5_100 });
    await store.replaceProcesses('web-1', [processInfo('web', 'web'), processInfo('old', 'old')]);
    await store.flush();
    await store.replaceProcesses('web-1', [processInfo('web', 'web', 'BACKOFF', { spawnerr: 'boom' })]);
    await store.upsertProcesses('db-1', [processInfo('db', 'db')]);
    await store.recordSeen('web-1', 9_000);
  }
  await using store = await openStore(dir);
  const list = await store.listProcesses();
  assert.deepEqual(names(list), ['db-1/db:db RUNNING', 'web-1/web:web BACKOFF'], 'the replaced process is gone from the file too');
  assert.deepEqual(list[1]!.info, processInfo('web', 'web', 'BACKOFF', { spawnerr: 'boom' }));
  assert.deepEqual(await store.listHosts(), [
    { name: 'db-1', labels: {}, agentVersion: '0.1.0', lastSeen: 5_100, connectedAt: 5_100, peer: '10.0.0.6:4711', lastSeq: 0 },
    { name: 'web-1', labels: { role: 'web' }, agentVersion: '0.1.0', lastSeen: 9_000, connectedAt: 5_000, peer: '10.0.0.5:4711', lastSeq: 0 },
  ]);
});

test('view changes are written behind without waiting for close()', async () => {
  const dir = temp.fresh();
  await using store = await openStore(dir, { viewWriteMs: 20 });
  await store.replaceProcesses('web-1', [processInfo('web', 'web'), processInfo('api', 'api')]);
  await store.recordConnect({ name: 'web-1', labels: {}, agentVersion: '1', peer: 'p', time: 1 });
  await store.recordSeen('web-1', 777);
  // Another connection, as a controller restarted after a crash would open it.
  const spy = new Database(dbPath(dir), { readonly: true });
  try {
    await waitFor(() => spy.prepare('SELECT count(*) FROM processes').pluck().get() === 2, { what: 'the view in the file' });
    await waitFor(() => spy.prepare("SELECT last_seen FROM hosts WHERE name = 'web-1'").pluck().get() === 777, { what: 'last seen in the file' });
  } finally {
    spy.close();
  }
});

test('a reconnect updates the host and keeps its lastSeq', async () => {
  await using store = await openStore(temp.fresh());
  await store.recordConnect({ name: 'web-1', labels: { a: '1' }, agentVersion: '0.1.0', peer: 'p1', time: 1_000 });
  await appendAll(store, 'web-1', [{ kind: 'gap', host: 'web-1', seq: 4, time: 1, fromSeq: 1, toSeq: 3 }]);
  const again = await store.recordConnect({ name: 'web-1', labels: { a: '2' }, agentVersion: '0.2.0', peer: 'p2', time: 2_000 });
  assert.deepEqual(again, { name: 'web-1', labels: { a: '2' }, agentVersion: '0.2.0', lastSeen: 2_000, connectedAt: 2_000, peer: 'p2', lastSeq: 4 });
});

test('the stored view of 1,000 hosts x 20 processes lists every process, changes not yet written included, by host, group and name', async () => {
  await using store = await openStore(temp.fresh());
  for (let h = 0; h < 1000; h++) {
    const host = `host-${String(h).padStart(4, '0')}`;
    await store.replaceProcesses(host, Array.from({ length: 20 }, (_, p) => processInfo(`prog${p}`, `prog${p}`)));
  }
  await store.upsertProcesses('host-0500', [processInfo('prog3', 'prog3', 'EXITED')]);
  const list = await store.listProcesses();
  assert.equal(list.length, 20_000);
  assert.equal(list.find((p) => p.host === 'host-0500' && p.info.name === 'prog3')?.info.statename, 'EXITED');
  assert.deepEqual(list.slice(0, 3).map((p) => p.info.name), ['prog0', 'prog1', 'prog10'], 'sorted by host, group, name');
  assert.deepEqual(list.slice(19, 21).map((p) => p.host), ['host-0000', 'host-0001']);
});

test('a large view is written in chunks, with turns of the event loop between them', async () => {
  const dir = temp.fresh();
  {
    await using store = await openStore(dir);
    for (let h = 0; h < 150; h++) await store.replaceProcesses(`host-${h}`, Array.from({ length: 20 }, (_, p) => processInfo(`prog${p}`, `prog${p}`)));
    let ticks = 0;
    let done = false;
    const tick = (): void => {
      ticks++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    await store.flush();
    done = true;
    assert.ok(ticks >= 2, `3,150 rows took ${ticks} turns of the event loop`);
  }
  await using store = await openStore(dir);
  assert.equal((await store.listProcesses()).length, 3000);
});
