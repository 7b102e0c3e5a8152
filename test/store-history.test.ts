import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddress } from '../common/address.js';
import type { HistoryEvent } from '../common/fleet-event.js';
import type { FleetStore, HistoryQuery } from '../controller/store/store.js';
import { rejectsWith } from './helpers/fleet-error.js';
import { exit, gap, openStore, transition, appendAll } from './helpers/store-fixtures.js';
import { makeTempDir } from './helpers/temp-dir.js';

const temp = makeTempDir('fleetvisor-store-');
let store: FleetStore;

/** `host#seq` for agent events, `action:what` for actions: the order and membership at a glance. */
function labels(events: HistoryEvent[]): string[] {
  return events.map((e) => (e.kind === 'action' ? `action:${e.action}` : `${e.host}#${e.seq}`));
}

async function read(query: Partial<HistoryQuery>): Promise<string[]> {
  return labels(await store.history({ limit: 100, ...query }));
}

before(async () => {
  store = await openStore(temp.fresh());
  for (const name of ['web-1', 'web-2', 'db-1']) await store.recordConnect({ name, labels: {}, agentVersion: '1', peer: 'p', time: 1 });
  await appendAll(store, 'web-1', [
    transition('web-1', 1, { time: 100 }),
    exit('web-1', 2, { time: 200, exitStatus: null, signal: 'SIGKILL' }),
    transition('web-1', 3, { time: 300, group: 'worker', name: 'worker_0' }),
    transition('web-1', 4, { time: 300, group: 'worker', name: 'worker_1' }),
    gap('web-1', 5, 6, 9, { time: 400 }),
  ]);
  await appendAll(store, 'web-2', [
    transition('web-2', 1, { time: 150 }),
    transition('web-2', 2, { time: 250, group: 'api', name: 'api-x' }),
  ]);
  await appendAll(store, 'db-1', [transition('db-1', 1, { time: 120, group: 'db', name: 'db' }), exit('db-1', 2, { time: 300, group: 'db', name: 'db' })]);
  const action = { who: 'alice', origin: '127.0.0.1', addresses: ['web:*'], result: 'ok' };
  await store.recordAction({ ...action, time: 50, action: 'update', hosts: [] });
  await store.recordAction({ ...action, time: 250, action: 'restart', hosts: ['web-1', 'web-2'] });
  await store.recordAction({ ...action, time: 300, action: 'stop', hosts: ['db-1'] });
});

after(async () => {
  await store.close();
  temp.remove();
});

test('history is oldest first by time, then seq, with actions after events of the same time', async () => {
  assert.deepEqual(await read({}), [
    'action:update',
    'web-1#1',
    'db-1#1',
    'web-2#1',
    'web-1#2',
    'web-2#2',
    'action:restart',
    'db-1#2',
    'web-1#3',
    'web-1#4',
    'action:stop',
    'web-1#5',
  ]);
});

test('history entries carry every field back', async () => {
  const all = await store.history({ limit: 100 });
  assert.deepEqual(all.find((e) => e.kind === 'exit' && e.host === 'web-1'), {
    kind: 'exit', host: 'web-1', seq: 2, time: 200, group: 'web', name: 'web', pid: 100, exitStatus: null, signal: 'SIGKILL', expected: false,
  });
  assert.deepEqual(all.find((e) => e.kind === 'gap'), { kind: 'gap', host: 'web-1', seq: 5, time: 400, fromSeq: 6, toSeq: 9 });
  assert.deepEqual(all.find((e) => e.kind === 'action' && e.action === 'restart'), {
    kind: 'action', id: 2, time: 250, who: 'alice', origin: '127.0.0.1', action: 'restart', addresses: ['web:*'], hosts: ['web-1', 'web-2'], result: 'ok',
  });
});

test('limit keeps the newest entries', async () => {
  assert.deepEqual(await read({ limit: 3 }), ['web-1#4', 'action:stop', 'web-1#5']);
  assert.deepEqual(await read({ limit: 1, kinds: ['transition'] }), ['web-1#4']);
});

test('since is inclusive and until exclusive', async () => {
  assert.deepEqual(await read({ since: 250, until: 300 }), ['web-2#2', 'action:restart']);
  assert.deepEqual(await read({ since: 300 }), ['db-1#2', 'web-1#3', 'web-1#4', 'action:stop', 'web-1#5']);
  assert.deepEqual(await read({ until: 120 }), ['action:update', 'web-1#1']);
});

test('kinds selects transitions, exits, gaps and actions', async () => {
  assert.deepEqual(await read({ kinds: ['exit'] }), ['web-1#2', 'db-1#2']);
  assert.deepEqual(await read({ kinds: ['gap', 'action'] }), ['action:update', 'action:restart', 'action:stop', 'web-1#5']);
});

test('selecting hosts gives their events, gaps and the actions that reached them', async () => {
  assert.deepEqual(await read({ select: { hosts: ['web-2'] } }), ['web-2#1', 'web-2#2', 'action:restart']);
  assert.deepEqual(await read({ select: { hosts: ['web-1', 'nowhere'] }, since: 250 }), ['action:restart', 'web-1#3', 'web-1#4', 'web-1#5']);
  assert.deepEqual(await read({ select: { hosts: ['nowhere'] } }), []);
});

test('addresses select processes by host, group and process globs', async () => {
  const select = (texts: string[], scopeHosts: string[] = []): Promise<string[]> =>
    read({ select: { addresses: texts.map(parseAddress), scopeHosts }, kinds: ['transition', 'exit'] });
  assert.deepEqual(await select(['web-*/web']), ['web-1#1', 'web-2#1', 'web-1#2']);
  assert.deepEqual(await select(['*/worker:worker_[!0]']), ['web-1#4']);
  assert.deepEqual(await select(['[!w]*/all']), ['db-1#1', 'db-1#2']);
  assert.deepEqual(await select(['web-[2-9]/api:api-[xyz]']), ['web-2#2']);
  assert.deepEqual(await select(['worker:worker_?'], ['web-1', 'web-2']), ['web-1#3', 'web-1#4'], 'no host part: the scope hosts');
  assert.deepEqual(await select(['worker:*'], ['web-2']), []);
  assert.deepEqual(await select(['web-1/web', 'db-1/db:']), ['web-1#1', 'db-1#1', 'web-1#2', 'db-1#2']);
  assert.deepEqual(await select(['*/w?b:w*']), ['web-1#1', 'web-2#1', 'web-1#2']);
  assert.deepEqual(await select(['*/w*:w*']), ['web-1#1', 'web-2#1', 'web-1#2', 'web-1#3', 'web-1#4']);
});

test('an address selection keeps the gaps of the hosts it reaches and their actions', async () => {
  const events = await read({ select: { addresses: [parseAddress('web-1/nothing:here')], scopeHosts: [] } });
  assert.deepEqual(events, ['action:restart', 'web-1#5']);
});

test('limit counts only what the globs select', async () => {
  const address = parseAddress('*/worker:worker_[0-9]');
  assert.deepEqual(await read({ select: { addresses: [address], scopeHosts: [] }, kinds: ['transition'], limit: 1 }), ['web-1#4']);
  assert.deepEqual(await read({ select: { addresses: [address], scopeHosts: [] }, kinds: ['transition'], limit: 2, until: 300 }), []);
});

test('a limit that is not a positive integer is refused', async () => {
  await rejectsWith(store.history({ limit: 0 }), 'INCORRECT_PARAMETERS', /limit must be a positive integer/);
});

test('a few hosts among many read the same history as a filter over all of it', async () => {
  await using big = await openStore(temp.fresh());
  const hosts = Array.from({ length: 40 }, (_, i) => `h-${String(i).padStart(2, '0')}`);
  // Times out of seq order within a host (clock steps) and ties across hosts.
  for (const host of hosts) {
    const n = Number(host.slice(2));
    await appendAll(big, host, Array.from({ length: 12 }, (_, i) => transition(host, i + 1, { time: 1_000 + ((i * 37 + n * 11) % 50) })));
  }
  const all = await big.history({ limit: 10_000 });
  assert.equal(all.length, 480);
  for (const pick of [['h-07'], ['h-00', 'h-39', 'h-13']]) {
    const expected = all.filter((e) => e.kind !== 'action' && pick.includes(e.host)).slice(-5);
    assert.deepEqual(await big.history({ select: { hosts: pick }, limit: 5 }), expected, `hosts ${pick.join(',')}`);
  }
  const addresses = ['h-01/web', 'h-02/w*:[vw]eb'].map(parseAddress);
  const expected = all.filter((e) => e.kind !== 'action' && ['h-01', 'h-02'].includes(e.host)).slice(-7);
  assert.deepEqual(await big.history({ select: { addresses, scopeHosts: [] }, limit: 7 }), expected, 'two hosts with different globs');
});
