/**
 * Fan-out through FleetService with a real controller and scripted agents: one result per
 * process across hosts, per-host errors that come at once for hosts that are down, BAD_NAME
 * and NO_SUCH_HOST for addresses that reach nothing, a timeout for a host that never answers,
 * reread and update per host, and every mutating call in the audit trail.
 */
import assert from 'node:assert/strict';
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { after, before, describe, test } from 'node:test';
import { GroupUpdateAction } from '../proto/gen/fleet/v1/agent_control.js';
import { ControlAction, HostLiveness, type ControlResponse, type Scope } from '../proto/gen/fleet/v1/fleet.js';
import Database from 'better-sqlite3';
import type { HistoryEvent } from '../common/fleet-event.js';
import { anonymousCaller, limitedCaller } from '../controller/core/caller.js';
import { call, collect, faultOf, startTestController, type TestController } from './helpers/controller-harness.js';
import { protoProcess, ScriptedAgent } from './helpers/scripted-agent.js';

const ALL: Scope = { scope: { $case: 'allHosts', value: true } };
const host = (name: string): Scope => ({ scope: { $case: 'host', value: name } });

function control(ctl: TestController, scope: Scope, addresses: string[], action = ControlAction.CONTROL_ACTION_RESTART, signal = ''): Promise<ControlResponse[]> {
  return collect(ctl.fleet.control({ scope, addresses, action, signal, wait: false }));
}

/** One line per process result or host error, sorted. */
function summary(responses: ControlResponse[]): string[] {
  return responses
    .flatMap((r) =>
      r.error
        ? [`${r.error.host} ${r.error.fault}: ${r.error.message}`]
        : r.results.map((result) => `${r.host}/${result.group}:${result.name} ${result.fault || 'OK'}`),
    )
    .sort();
}

describe('controller fan-out', () => {
  let ctl: TestController;
  const agents: ScriptedAgent[] = [];
  before(async () => {
    ctl = await startTestController({ heartbeatMs: 1000, core: { commandTimeoutMs: 800 } });
    for (const [name, role] of [
      ['web-1', 'web'],
      ['web-2', 'web'],
      ['db-1', 'db'],
    ] as const) {
      const agent = await connect(name, { role });
      agent.snapshot(role === 'web' ? [protoProcess('web', 'web_0'), protoProcess('web', 'web_1')] : [protoProcess('db', 'db')]);
      agent.answerEveryCommand();
    }
    await waitForCount(5);
  });
  after(async () => {
    for (const agent of agents) agent.kill();
    await ctl.close();
  });
  async function connect(name: string, labels: Record<string, string> = {}): Promise<ScriptedAgent> {
    const agent = await ScriptedAgent.connect(ctl.address, { host: name, labels });
    agents.push(agent);
    const beat = setInterval(() => agent.heartbeat(), 300);
    after(() => clearInterval(beat));
    return agent;
  }
  /** Waits until the controller's view holds `n` processes of `name` (every host when absent). */
  async function waitForCount(n: number, name?: string): Promise<void> {
    const scope = name ? host(name) : ALL;
    await agents[0]!.waitFor(async () => (await call(ctl.fleet.listProcesses, ctl.fleet, { scope, addresses: [] })).processes.length >= n, `${n} processes on ${name ?? 'all hosts'}`);
  }

  test('a restart fanned out by label returns one result per process of every matching host', async () => {
    const responses = await control(ctl, { scope: { $case: 'labels', value: { labels: { role: 'web' } } } }, ['web:*']);
    assert.deepEqual(summary(responses), ['web-1/web:web_0 OK', 'web-1/web:web_1 OK', 'web-2/web:web_0 OK', 'web-2/web:web_1 OK']);
    const web1 = agents.find((a) => a.host === 'web-1')!;
    assert.deepEqual(web1.received.commands.at(-1)?.action?.value, { selectors: [{ group: 'web', process: '*' }], wait: false });
  });

  test('`all` across every host reaches every process, each host once, and answers in one message per host', async () => {
    const responses = await control(ctl, ALL, ['all'], ControlAction.CONTROL_ACTION_STOP);
    assert.equal(summary(responses).length, 5, 'a result per process');
    assert.deepEqual(responses.map((r) => r.host).sort(), ['db-1', 'web-1', 'web-2'], 'one message per host, with all its results');
  });

  test('an explicit host/ part overrides the scope', async () => {
    const responses = await control(ctl, host('db-1'), ['web-2/web:web_1'], ControlAction.CONTROL_ACTION_START);
    assert.deepEqual(summary(responses), ['web-2/web:web_1 OK']);
  });

  test('signal carries its signal name to the agents', async () => {
    const responses = await control(ctl, host('db-1'), ['db'], ControlAction.CONTROL_ACTION_SIGNAL, 'HUP');
    assert.deepEqual(summary(responses), ['db-1/db:db OK']);
    const db1 = agents.find((a) => a.host === 'db-1')!;
    assert.deepEqual(db1.received.commands.at(-1)?.action, { $case: 'signal', value: { selectors: [{ group: 'db', process: 'db' }], signal: 'HUP' } });
  });

  test('addresses that reach nothing get BAD_NAME or NO_SUCH_HOST, and the rest still runs', async () => {
    const responses = await control(ctl, ALL, ['nope', 'ghost-1/web', 'gh*/x', 'db']);
    assert.deepEqual(summary(responses), [
      ' BAD_NAME: no such process: nope',
      'db-1/db:db OK',
      'gh* NO_SUCH_HOST: no host matches "gh*"',
      'ghost-1 NO_SUCH_HOST: no such host: ghost-1',
    ]);
  });

  test('a malformed address fails the whole call with BAD_ADDRESS before anything is sent', async () => {
    const before = agents.reduce((n, a) => n + a.received.commands.length, 0);
    await assert.rejects(control(ctl, ALL, ['web:a:b']), (err: ServiceError) => {
      assert.equal(err.code, Status.INVALID_ARGUMENT);
      assert.equal(faultOf(err), 'BAD_ADDRESS');
      assert.match(err.details, /bad address "web:a:b"/);
      return true;
    });
    assert.equal(agents.reduce((n, a) => n + a.received.commands.length, 0), before);
  });

  test('a command to a disconnected host fails fast with HOST_UNREACHABLE', async () => {
    const down = await connect('down-1');
    down.snapshot([protoProcess('app', 'app')]);
    await waitForCount(1, 'down-1');
    down.kill();
    await down.waitFor(async () => (await call(ctl.fleet.listHosts, ctl.fleet, { hosts: ['down-1'], labels: undefined })).hosts[0]?.liveness === HostLiveness.HOST_LIVENESS_DISCONNECTED, 'disconnected');
    const stream = ctl.fleet.control({ scope: ALL, addresses: ['down-1/app', 'db'], action: ControlAction.CONTROL_ACTION_RESTART, signal: '', wait: false });
    const start = Date.now();
    let downAfter = -1;
    stream.on('data', (r: ControlResponse) => {
      if (r.error) downAfter = Date.now() - start;
    });
    const responses = await collect(stream);
    const [dbLine, downLine] = summary(responses);
    assert.equal(responses.length, 2);
    assert.equal(dbLine, 'db-1/db:db OK');
    assert.match(downLine!, /^down-1 HOST_UNREACHABLE: down-1 is disconnected \(last seen .+ ago\)$/);
    // Well below the 800 ms command timeout: nobody waited for the host.
    assert.ok(downAfter >= 0 && downAfter < 400, `down-1's error came after ${downAfter} ms`);
  });

  test('a host that never answers gets HOST_UNREACHABLE after the command timeout; the others answer at once', async () => {
    const mute = await connect('mute-1');
    mute.snapshot([protoProcess('app', 'app')]);
    await waitForCount(1, 'mute-1');
    const stream = ctl.fleet.control({ scope: ALL, addresses: ['mute-1/app', 'db'], action: ControlAction.CONTROL_ACTION_RESTART, signal: '', wait: false });
    const arrivals: [number, string][] = [];
    const start = Date.now();
    stream.on('data', (r: ControlResponse) => arrivals.push([Date.now() - start, summary([r])[0]!]));
    await collect(stream);
    assert.equal(arrivals.length, 2);
    assert.equal(arrivals[0]![1], 'db-1/db:db OK');
    assert.ok(arrivals[1]![0] >= 750, `mute-1's error came after ${arrivals[1]![0]} ms, before its timeout`);
    assert.match(arrivals[1]![1], /^mute-1 HOST_UNREACHABLE: mute-1: no answer to the command within 800 ms$/);
  });

  test('a fault for the whole command comes back as that host\'s error', async () => {
    const picky = await connect('picky-1');
    picky.snapshot([protoProcess('app', 'app')]);
    await waitForCount(1, 'picky-1');
    const responses = control(ctl, host('picky-1'), ['app'], ControlAction.CONTROL_ACTION_SIGNAL, 'NOPE');
    const command = await picky.waitForCommand();
    picky.result({ id: command.id, fault: 'BAD_SIGNAL', message: 'NOPE' });
    assert.deepEqual(summary(await responses), ['picky-1 BAD_SIGNAL: NOPE']);
  });

  test('reread answers per host; update per host, dropping removed groups from the view', async () => {
    const rereads = await collect(ctl.fleet.reread({ scope: { scope: { $case: 'labels', value: { labels: { role: 'web' } } } }, hosts: [] }));
    assert.deepEqual(rereads.map((r) => [r.host, r.reread?.added]).sort(), [
      ['web-1', ['new']],
      ['web-2', ['new']],
    ]);

    const updater = await connect('upd-1');
    updater.snapshot([protoProcess('old', 'old'), protoProcess('keep', 'keep')]);
    await waitForCount(2, 'upd-1');
    const updates = collect(ctl.fleet.update({ scope: ALL, hosts: ['upd-*'], groups: [] }));
    const command = await updater.waitForCommand();
    assert.equal(command.action?.$case, 'update');
    updater.result({
      id: command.id,
      update: { updates: [{ group: 'old', action: GroupUpdateAction.GROUP_UPDATE_ACTION_REMOVED, fault: '', description: '', restarted: [], added: [], removed: [] }] },
    });
    const answered = await updates;
    assert.deepEqual(answered.map((u) => [u.host, u.update?.updates.map((x) => x.group)]), [['upd-1', ['old']]]);
    const list = await call(ctl.fleet.listProcesses, ctl.fleet, { scope: host('upd-1'), addresses: [] });
    assert.deepEqual(list.processes.map((p) => p.info?.name), ['keep']);
  });

  test('mutating calls are recorded as operator actions: who, from where, what, on which hosts, how it went', async () => {
    await control(ctl, host('db-1'), ['db'], ControlAction.CONTROL_ACTION_STOP);
    const history = await call(ctl.fleet.history, ctl.fleet, { scope: host('db-1'), addresses: [], sinceMs: 0n, untilMs: 0n, limit: 0 });
    const actions = history.entries.flatMap((e) => (e.body?.$case === 'action' ? [e.body.value] : []));
    const last = actions.at(-1)!;
    assert.equal(last.who, 'anonymous');
    assert.match(last.origin, /^(ipv4:)?127\.0\.0\.1:\d+$/);
    assert.equal(last.action, 'stop');
    assert.deepEqual(last.addresses, ['db']);
    assert.deepEqual(last.hosts, ['db-1']);
    assert.equal(last.result, 'ok');
    const failed = actions.find((a) => a.action === 'restart' && a.hosts.includes('mute-1'));
    assert.match(failed?.result ?? '', /^1 failed: mute-1 HOST_UNREACHABLE$/);
  });

  test("a command answers without waiting for its action's record, and the history read next waits for it", async () => {
    // Another connection holds the database's write lock, as the store's writer does while it
    // commits a fleet's worth of transitions: the action cannot be written until it lets go.
    const other = new Database(ctl.controller.databasePath);
    other.prepare('BEGIN IMMEDIATE').run();
    let history: Promise<HistoryEvent[]>;
    try {
      const answered = summary(await control(ctl, host('db-1'), ['db'], ControlAction.CONTROL_ACTION_RESTART));
      assert.deepEqual(answered, ['db-1/db:db OK'], 'answered while the lock was held');
      history = ctl.controller.core.history(anonymousCaller('test'), { scope: { kind: 'host', host: 'db-1' }, addresses: [], since: 0, until: 0, limit: 0 });
      let read = false;
      void history.then(() => (read = true));
      for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(read, false, 'the history waits for the action being recorded');
    } finally {
      other.prepare('COMMIT').run();
      other.close();
    }
    const last = (await history).filter((e) => e.kind === 'action').at(-1);
    assert.equal(last?.kind === 'action' && last.action, 'restart');
    assert.deepEqual(last?.kind === 'action' && last.hosts, ['db-1']);
  });

  test('a caller limited to some addresses sees and touches only those (the hook API tokens will use)', async () => {
    const core = ctl.controller.core;
    const caller = limitedCaller('ops-token', 'test', ['web-1/web:web_0', 'db-*/*']);
    const listing = core.listProcesses(caller, { kind: 'all' }, []);
    assert.deepEqual(listing.processes.map((p) => `${p.host}/${p.info.name}`), ['db-1/db', 'web-1/web_0']);
    assert.deepEqual(core.listHosts(caller).map((h) => h.name), ['db-1', 'web-1']);

    const web1 = agents.find((a) => a.host === 'web-1')!;
    const before = web1.received.commands.length;
    const outcomes = [];
    for await (const o of core.control(caller, { scope: { kind: 'all' }, addresses: ['web:*', 'db'], action: 'restart', wait: false }, new AbortController().signal)) outcomes.push(o);
    assert.deepEqual(outcomes.flatMap((o) => (o.kind === 'results' ? o.results.map((r) => `${o.host}/${r.name}`) : [o.error.code])).sort(), ['db-1/db', 'web-1/web_0']);
    // web:* would reach web_1 too, which the caller may not touch: the agent gets the exact process.
    assert.deepEqual(web1.received.commands[before]?.action?.value, { selectors: [{ group: 'web', process: 'web_0' }], wait: false });
    assert.equal(web1.received.commands.length, before + 1);
  });

  test('a caller that goes away stops waiting, and the action says so', async () => {
    const slow = await connect('slow-1');
    slow.snapshot([protoProcess('app', 'app')]);
    await waitForCount(1, 'slow-1');
    const stream = ctl.fleet.control({ scope: host('slow-1'), addresses: ['app'], action: ControlAction.CONTROL_ACTION_START, signal: '', wait: true });
    stream.on('error', () => {});
    await slow.waitForCommand();
    stream.cancel();
    const history = await slow.waitFor(async () => {
      const h = await call(ctl.fleet.history, ctl.fleet, { scope: host('slow-1'), addresses: [], sinceMs: 0n, untilMs: 0n, limit: 0 });
      return h.entries.find((e) => e.body?.$case === 'action');
    }, 'the action row');
    assert.match(history.body?.$case === 'action' ? history.body.value.result : '', /the caller went away/);
  });
});
