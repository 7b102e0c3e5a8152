/**
 * Log fan-in through FleetService.Logs with a real controller and scripted agents: the backlogs
 * of several hosts merged in capture-time order, live chunks put in order within the reorder
 * window, subscriptions cancelled on the agents when the reader goes away, a followed host
 * subscribed again when it reconnects.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LogChannel } from '../proto/gen/fleet/v1/agent_control.js';
import { HostLiveness, type LogsResponse, type Scope } from '../proto/gen/fleet/v1/fleet.js';
import { call, collect, startTestController, type TestController } from './helpers/controller-harness.js';
import { protoProcess, ScriptedAgent } from './helpers/scripted-agent.js';
import { waitFor } from './helpers/wait-for.js';

const ALL: Scope = { scope: { $case: 'allHosts', value: true } };

function line(r: LogsResponse): string {
  if (r.body?.$case === 'chunk') return `${r.body.value.host}/${r.body.value.name}@${r.body.value.timeMs} ${r.body.value.data.toString()}`;
  return `${r.body?.value.host} ${r.body?.$case === 'hostError' ? r.body.value.fault : ''}`;
}

describe('controller log fan-in', () => {
  let ctl: TestController;
  const agents: ScriptedAgent[] = [];
  let a1: ScriptedAgent;
  let a2: ScriptedAgent;
  before(async () => {
    ctl = await startTestController({ core: { logReorderMs: 300, logBacklogTimeoutMs: 500 } });
    a1 = await connect('logs-1');
    a2 = await connect('logs-2');
    await waitFor(async () => (await call(ctl.fleet.listProcesses, ctl.fleet, { scope: ALL, addresses: ['logs-*/app'] })).processes.length === 2, { what: 'both snapshots' });
  });
  after(async () => {
    for (const agent of agents) agent.kill();
    await ctl.close();
  });
  async function connect(name: string): Promise<ScriptedAgent> {
    const agent = await ScriptedAgent.connect(ctl.address, { host: name });
    agent.snapshot([protoProcess('app', 'app')]);
    agents.push(agent);
    return agent;
  }

  test('backlogs from several hosts are merged in capture-time order', async () => {
    const n1 = a1.received.logSubscribes.length;
    const n2 = a2.received.logSubscribes.length;
    const reading = collect(ctl.fleet.logs({ scope: ALL, addresses: ['logs-*/app'], channels: [], sinceMs: 0n, follow: false }));
    const [s1, s2] = await Promise.all([a1.waitForLogSubscribe(n1), a2.waitForLogSubscribe(n2)]);
    assert.deepEqual(s1.selectors, [{ group: 'app', process: 'app' }]);
    assert.deepEqual(s1.channels, [LogChannel.LOG_CHANNEL_STDOUT]);
    assert.equal(s1.follow, false);
    assert.equal(s1.sinceMs, 1n, 'without a time and without follow, the backlog is asked for from the start');
    // logs-1's backlog is not in time order (two processes' files, read one after the other).
    for (const t of [50, 10, 30]) a1.logChunk(s1.id, 'app', 'app', t, `one-${t}\n`);
    for (const t of [20, 40]) a2.logChunk(s2.id, 'app', 'app', t, `two-${t}\n`);
    a2.backlogComplete(s2.id);
    a2.logEnd(s2.id);
    a1.backlogComplete(s1.id);
    a1.logEnd(s1.id);
    assert.deepEqual((await reading).map(line), [
      'logs-1/app@10 one-10\n',
      'logs-2/app@20 two-20\n',
      'logs-1/app@30 one-30\n',
      'logs-2/app@40 two-40\n',
      'logs-1/app@50 one-50\n',
    ]);
  });

  test('live chunks that cross on the way are released in capture-time order', async () => {
    const n1 = a1.received.logSubscribes.length;
    const n2 = a2.received.logSubscribes.length;
    const stream = ctl.fleet.logs({ scope: ALL, addresses: ['logs-*/app'], channels: [], sinceMs: 0n, follow: true });
    const lines: string[] = [];
    stream.on('data', (r: LogsResponse) => lines.push(line(r)));
    stream.on('error', () => {});
    const [s1, s2] = await Promise.all([a1.waitForLogSubscribe(n1), a2.waitForLogSubscribe(n2)]);
    assert.equal(s1.follow, true);
    assert.equal(s1.sinceMs, 0n);
    a1.backlogComplete(s1.id);
    a2.backlogComplete(s2.id);
    const now = Date.now();
    a2.logChunk(s2.id, 'app', 'app', now + 20, 'later\n');
    a1.logChunk(s1.id, 'app', 'app', now + 10, 'earlier\n');
    await waitFor(() => lines.length === 2, { what: 'two live lines' });
    assert.deepEqual(lines, [`logs-1/app@${now + 10} earlier\n`, `logs-2/app@${now + 20} later\n`]);
    stream.cancel();
  });

  test('the agents\' subscriptions are cancelled when the reader goes away', async () => {
    const n1 = a1.received.logSubscribes.length;
    const n2 = a2.received.logSubscribes.length;
    const stream = ctl.fleet.logs({ scope: ALL, addresses: ['logs-*/app'], channels: [LogChannel.LOG_CHANNEL_STDERR], sinceMs: 0n, follow: true });
    stream.on('error', () => {});
    const [s1, s2] = await Promise.all([a1.waitForLogSubscribe(n1), a2.waitForLogSubscribe(n2)]);
    assert.deepEqual(s1.channels, [LogChannel.LOG_CHANNEL_STDERR]);
    stream.cancel();
    await a1.waitFor(() => a1.received.logCancels.includes(s1.id), 'a LogCancel');
    await a2.waitFor(() => a2.received.logCancels.includes(s2.id), 'a LogCancel');
  });

  test('a host that never completes its backlog is reported after the timeout, and the others\' output flows', async () => {
    const n1 = a1.received.logSubscribes.length;
    const n2 = a2.received.logSubscribes.length;
    const stream = ctl.fleet.logs({ scope: ALL, addresses: ['logs-*/app'], channels: [], sinceMs: 1n, follow: true });
    const lines: string[] = [];
    stream.on('data', (r: LogsResponse) => lines.push(line(r)));
    stream.on('error', () => {});
    const [s1] = await Promise.all([a1.waitForLogSubscribe(n1), a2.waitForLogSubscribe(n2)]);
    a1.logChunk(s1.id, 'app', 'app', 5, 'old\n');
    a1.backlogComplete(s1.id);
    await waitFor(() => lines.length === 2, { what: 'the timeout error and the backlog', timeoutMs: 5000 });
    assert.deepEqual(lines, ['logs-2 HOST_UNREACHABLE', 'logs-1/app@5 old\n']);
    stream.cancel();
  });

  test('following a host whose stream ends resumes when it reconnects, from its last chunk, each chunk once', async () => {
    const back = await connect('logs-back');
    const stream = ctl.fleet.logs({ scope: ALL, addresses: ['logs-back/app'], channels: [], sinceMs: 0n, follow: true });
    const lines: string[] = [];
    stream.on('data', (r: LogsResponse) => lines.push(line(r)));
    stream.on('error', () => {});
    const first = await back.waitForLogSubscribe(0);
    back.backlogComplete(first.id);
    const t = Date.now();
    back.logChunk(first.id, 'app', 'app', t + 10, 'a\n');
    back.logChunk(first.id, 'app', 'app', t + 20, 'b\n');
    await waitFor(() => lines.length === 2, { what: 'the first two lines' });
    back.kill();
    await waitFor(() => lines.length === 3, { what: 'the note that the host went away' });
    assert.equal(lines[2], 'logs-back HOST_UNREACHABLE');

    const again = await connect('logs-back');
    const resumed = await again.waitForLogSubscribe(0);
    assert.equal(resumed.sinceMs, BigInt(t + 20), 'from the capture time of the last chunk passed on');
    assert.deepEqual(resumed.selectors, first.selectors);
    assert.equal(resumed.follow, true);
    // Its backlog from that time: the last chunk again, then what was written while it was away.
    again.logChunk(resumed.id, 'app', 'app', t + 20, 'b\n');
    again.logChunk(resumed.id, 'app', 'app', t + 30, 'c\n');
    again.backlogComplete(resumed.id);
    again.logChunk(resumed.id, 'app', 'app', t + 40, 'd\n');
    await waitFor(() => lines.length === 5, { what: 'the resumed lines' });
    assert.deepEqual(lines, [`logs-back/app@${t + 10} a\n`, `logs-back/app@${t + 20} b\n`, 'logs-back HOST_UNREACHABLE', `logs-back/app@${t + 30} c\n`, `logs-back/app@${t + 40} d\n`]);
    stream.cancel();
    await again.waitFor(() => again.received.logCancels.includes(resumed.id), 'the resumed subscription cancelled');
  });

  test('a log request for a host that is down gets HOST_UNREACHABLE at once', async () => {
    const gone = await connect('logs-gone');
    await waitFor(async () => (await call(ctl.fleet.listProcesses, ctl.fleet, { scope: ALL, addresses: ['logs-gone/app'] })).processes.length === 1, { what: 'the snapshot' });
    gone.kill();
    await waitFor(async () => (await call(ctl.fleet.listHosts, ctl.fleet, { hosts: ['logs-gone'], labels: undefined })).hosts[0]?.liveness === HostLiveness.HOST_LIVENESS_DISCONNECTED, { what: 'disconnected' });
    const responses = await collect(ctl.fleet.logs({ scope: ALL, addresses: ['logs-gone/app'], channels: [], sinceMs: 0n, follow: false }));
    assert.deepEqual(responses.map(line), ['logs-gone HOST_UNREACHABLE']);
  });
});
