/**
 * Token scopes against the real controller and scripted agents: a scoped token sees and touches
 * only its addresses in listings, control fan-out (the agents get exact names, so a glob cannot
 * reach past the scope), reread and update, history, the live event stream and log streams, and
 * a log request cannot escape its address. Addresses outside the scope read as if they did not
 * exist, so a scope does not tell what else there is.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { ControlAction, type ControlResponse, type HistoryEntry, type LogsResponse, type WatchEventsResponse } from '../proto/gen/fleet/v1/fleet.js';
import { bearer, callWith, failureOf, startAuthController, type AuthController } from './helpers/auth-harness.js';
import { collect } from './helpers/controller-harness.js';
import { protoProcess, ScriptedAgent, transitionEvent } from './helpers/scripted-agent.js';
import { waitFor } from './helpers/wait-for.js';

const ALL = { scope: { $case: 'allHosts' as const, value: true } };

describe('token scopes', () => {
  let ctl: AuthController;
  const agents = new Map<string, ScriptedAgent>();
  let webOps: string; // operator, web-*/web:*
  let web1Ops: string; // operator, web-1/*
  let dbViewer: string; // viewer, db-*/*

  const connect = async (host: string, processes: ReturnType<typeof protoProcess>[]): Promise<void> => {
    ctl.agentHost = host; // the identity its certificate would carry
    const agent = await ScriptedAgent.connect(ctl.address, { host, autoAnswer: true });
    agent.snapshot(processes);
    agents.set(host, agent);
  };

  before(async () => {
    ctl = await startAuthController();
    await connect('web-1', [protoProcess('web', 'web_0'), protoProcess('web', 'web_1'), protoProcess('api', 'api')]);
    await connect('web-2', [protoProcess('web', 'web_0')]);
    await connect('db-1', [protoProcess('db', 'db')]);
    ctl.agentHost = null;
    webOps = (await ctl.mint({ role: 'operator', name: 'web-ops', scopes: ['web-*/web:*'] })).text;
    web1Ops = (await ctl.mint({ role: 'operator', name: 'web1-ops', scopes: ['web-1/*'] })).text;
    dbViewer = (await ctl.mint({ role: 'viewer', name: 'db-viewer', scopes: ['db-*/*'] })).text;
    await waitFor(async () => (await callWith(ctl.fleet, ctl.fleet.listProcesses, ctl.tokens.admin, { scope: ALL, addresses: [] })).processes.length === 5, { what: 'every snapshot' });
  });
  after(async () => {
    for (const agent of agents.values()) agent.kill();
    await ctl.close();
  });

  const processesOf = async (token: string, addresses: string[] = []): Promise<string[]> => {
    const res = await callWith(ctl.fleet, ctl.fleet.listProcesses, token, { scope: ALL, addresses });
    return [...res.processes.map((p) => `${p.host}/${p.info!.group}:${p.info!.name}`), ...res.errors.map((e) => `${e.host} ${e.fault}`)];
  };

  test('listings show only what the scope covers', async () => {
    assert.deepEqual(await processesOf(webOps), ['web-1/web:web_0', 'web-1/web:web_1', 'web-2/web:web_0']);
    assert.deepEqual(await processesOf(dbViewer), ['db-1/db:db']);
    const hosts = await callWith(ctl.fleet, ctl.fleet.listHosts, webOps, { hosts: [], labels: undefined });
    assert.deepEqual(hosts.hosts.map((h) => h.name), ['web-1', 'web-2']);
    assert.deepEqual((await processesOf(ctl.tokens.viewer)).length, 5, 'an unscoped token sees everything');
  });

  test('an address outside the scope reads as unknown: no such host, or no such process', async () => {
    assert.deepEqual(await processesOf(webOps, ['db-1/db']), ['db-1 NO_SUCH_HOST']);
    assert.deepEqual(await processesOf(webOps, ['web-1/api']), ['web-1 BAD_NAME']);
  });

  test('control fans out only inside the scope, and the agents get exact names instead of globs', async () => {
    const web1 = agents.get('web-1')!;
    const db1 = agents.get('db-1')!;
    const before = { web1: web1.received.commands.length, db1: db1.received.commands.length };
    const stream = ctl.fleet.control({ scope: ALL, addresses: ['all'], action: ControlAction.CONTROL_ACTION_RESTART, signal: '', wait: false }, bearer(webOps)) as ClientReadableStream<ControlResponse>;
    const results = (await collect(stream)).flatMap((m) => (m.error ? [`${m.error.host} ${m.error.fault}`] : m.results.map((r) => `${m.host}/${r.name}`)));
    assert.deepEqual(results.sort(), ['web-1/web_0', 'web-1/web_1', 'web-2/web_0']);
    assert.deepEqual(web1.received.commands.slice(before.web1).map((c) => c.action?.value), [
      { selectors: [{ group: 'web', process: 'web_0' }, { group: 'web', process: 'web_1' }], wait: false },
    ]);
    assert.equal(db1.received.commands.length, before.db1, 'db-1 got nothing');
  });

  test('a scope that covers a whole host sends the address as it is', async () => {
    const web1 = agents.get('web-1')!;
    const before = web1.received.commands.length;
    await collect(ctl.fleet.control({ scope: ALL, addresses: ['web-1/all'], action: ControlAction.CONTROL_ACTION_STOP, signal: '', wait: false }, bearer(web1Ops)));
    assert.deepEqual(web1.received.commands[before]?.action?.value, { selectors: [{ group: '*', process: '*' }], wait: false });
  });

  test('a viewer token cannot act inside its own scope', async () => {
    const stream = ctl.fleet.control({ scope: ALL, addresses: ['db-1/db'], action: ControlAction.CONTROL_ACTION_STOP, signal: '', wait: false }, bearer(dbViewer));
    await assert.rejects(collect(stream), (err) => failureOf(err).fault === 'PERMISSION_DENIED');
  });

  test('update needs a scope that covers every group it acts on; reread reaches the hosts in scope', async () => {
    const update = async (token: string, groups: string[]) =>
      (await collect(ctl.fleet.update({ scope: ALL, hosts: [], groups }, bearer(token)))).map((m) => (m.error ? `${m.error.host} ${m.error.fault}` : `${m.host} ok`)).sort();
    assert.deepEqual(await update(webOps, []), ['web-1 PERMISSION_DENIED', 'web-2 PERMISSION_DENIED']);
    assert.deepEqual(await update(webOps, ['web']), ['web-1 ok', 'web-2 ok']);
    assert.deepEqual(await update(web1Ops, []), ['web-1 ok']);
    const reread = (await collect(ctl.fleet.reread({ scope: ALL, hosts: [] }, bearer(webOps)))).map((m) => m.host || m.error?.host).sort();
    assert.deepEqual(reread, ['web-1', 'web-2']);
  });

  test('history shows only the scope: its processes, and actions on hosts it sees entirely', async () => {
    const db1 = agents.get('db-1')!;
    const web1 = agents.get('web-1')!;
    web1.events([transitionEvent(1, 'web', 'web_0', 'RUNNING', 'STOPPED'), transitionEvent(2, 'api', 'api', 'RUNNING', 'STOPPED')]);
    db1.events([transitionEvent(1, 'db', 'db', 'RUNNING', 'STOPPED')]);
    await web1.waitForAck(2);
    await db1.waitForAck(1);
    const history = async (token: string): Promise<string[]> =>
      (await callWith(ctl.fleet, ctl.fleet.history, token, { scope: ALL, addresses: [], sinceMs: 0n, untilMs: 0n, limit: 0 })).entries.map(describeEntry);
    const web = await history(webOps);
    assert.ok(web.includes('web-1/web:web_0 transition'));
    assert.ok(!web.some((e) => e.includes('api') || e.includes('db-1')), web.join('\n'));
    assert.ok(web.some((e) => e.startsWith('action restart')), 'its own actions on web hosts');
    const db = await history(dbViewer);
    assert.deepEqual(db.filter((e) => !e.startsWith('action')), ['db-1/db:db transition']);
    assert.ok(!db.some((e) => e.startsWith('action restart')), 'the restart reached web hosts only');
    assert.ok((await history(ctl.tokens.viewer)).includes('web-1/api:api transition'));
  });

  test('a scoped history limit is not spent on hosts outside the scope', async () => {
    const web1 = agents.get('web-1')!;
    web1.events([transitionEvent(100, 'web', 'web_0', 'STOPPED', 'RUNNING', Date.now()), transitionEvent(101, 'web', 'web_0', 'RUNNING', 'STOPPED', Date.now() + 1)]);
    await web1.waitForAck(101);
    const newest = await callWith(ctl.fleet, ctl.fleet.history, dbViewer, { scope: ALL, addresses: [], sinceMs: 0n, untilMs: 0n, limit: 1 });
    assert.deepEqual(newest.entries.map(describeEntry), ['db-1/db:db transition']);
  });

  test('the live event stream carries only the scope', async () => {
    const stream = ctl.fleet.watchEvents({ scope: ALL, addresses: [] }, bearer(webOps)) as ClientReadableStream<WatchEventsResponse>;
    const seen: string[] = [];
    stream.on('data', (m: WatchEventsResponse) => seen.push(describeEntry(m.entry!)));
    stream.on('error', () => {});
    try {
      const web1 = agents.get('web-1')!;
      const db1 = agents.get('db-1')!;
      // The watch is subscribed once the first web transition comes through; the others are sent after it.
      let seq = 1000;
      await waitFor(
        () => {
          web1.events([transitionEvent(++seq, 'web', 'web_1', 'STOPPED', 'RUNNING')]);
          return seen.includes('web-1/web:web_1 transition');
        },
        { what: 'the first transition on the watch', intervalMs: 100 },
      );
      db1.events([transitionEvent(2, 'db', 'db', 'STOPPED', 'RUNNING')]);
      web1.events([transitionEvent(++seq, 'api', 'api', 'STOPPED', 'RUNNING'), transitionEvent(++seq, 'web', 'web_0', 'STOPPED', 'RUNNING')]);
      await waitFor(() => seen.includes('web-1/web:web_0 transition'), { what: 'the last transition' });
      assert.ok(!seen.some((e) => e.includes('db-1') || e.includes('api')), seen.join('\n'));
    } finally {
      stream.cancel();
    }
  });

  test('a log stream asks the agent for the exact processes in scope, and drops anything else the agent sends', async () => {
    const web1 = agents.get('web-1')!;
    const n = web1.received.logSubscribes.length;
    const stream = ctl.fleet.logs({ scope: ALL, addresses: ['web-1/*'], channels: [], sinceMs: 0n, follow: true }, bearer(webOps)) as ClientReadableStream<LogsResponse>;
    const lines: string[] = [];
    stream.on('data', (m: LogsResponse) => {
      if (m.body?.$case === 'chunk') lines.push(`${m.body.value.group}:${m.body.value.name} ${Buffer.from(m.body.value.data).toString()}`);
    });
    stream.on('error', () => {});
    try {
      const subscribe = await web1.waitForLogSubscribe(n);
      // `*` would also follow processes web-1 adds later (an update), past the scope.
      assert.deepEqual(subscribe.selectors, [{ group: 'web', process: 'web_0' }, { group: 'web', process: 'web_1' }]);
      web1.backlogComplete(subscribe.id);
      const now = Date.now();
      web1.logChunk(subscribe.id, 'api', 'api', now, 'secret api output\n');
      web1.logChunk(subscribe.id, 'web', 'web_0', now + 1, 'web output\n');
      await waitFor(() => lines.length > 0, { what: 'the web line' });
      assert.deepEqual(lines, ['web:web_0 web output\n']);
    } finally {
      stream.cancel();
    }
  });

  test('a log request that tries to escape its address gets nothing from outside it', async () => {
    const answers = async (addresses: string[]): Promise<string[]> => {
      try {
        const res = await collect(ctl.fleet.logs({ scope: ALL, addresses, channels: [], sinceMs: 0n, follow: false }, bearer(webOps)));
        return res.map((m) => (m.body?.$case === 'hostError' ? `${m.body.value.host} ${m.body.value.fault}` : `chunk ${m.body?.value.host}`));
      } catch (err) {
        return [`refused ${failureOf(err).fault}`];
      }
    };
    const counts = [...agents.values()].map((a) => a.received.logSubscribes.length);
    assert.deepEqual(await answers(['web-1/../../etc/passwd']), ['refused BAD_ADDRESS']);
    assert.deepEqual(await answers(['../api']), ['.. NO_SUCH_HOST']);
    assert.deepEqual(await answers(['db-1/db']), ['db-1 NO_SUCH_HOST']);
    assert.deepEqual(await answers(['web-1/api']), ['web-1 BAD_NAME']);
    assert.deepEqual(await answers(['web-1/api:*', 'db-*/*']), ['web-1 BAD_NAME', 'db-* NO_SUCH_HOST']);
    assert.deepEqual(
      [...agents.values()].map((a) => a.received.logSubscribes.length),
      counts,
      'no agent was asked for anything',
    );
  });
});

function describeEntry(entry: HistoryEntry): string {
  const body = entry.body;
  switch (body?.$case) {
    case 'event': {
      const kind = body.value.kind;
      if (kind?.$case === 'transition' || kind?.$case === 'exit') return `${entry.host}/${kind.value.group}:${kind.value.name} ${kind.$case}`;
      return `${entry.host} ${kind?.$case}`;
    }
    case 'action':
      return `action ${body.value.action} ${body.value.hosts.join(',')}`;
    case 'liveness':
      return `${entry.host} liveness`;
    default:
      return 'empty';
  }
}
