/**
 * The controller's side of the agent stream with a real controller (SQLite in a temp dir, gRPC
 * on loopback) and scripted agents: hello, snapshot and events reach ListProcesses and
 * History; acks follow commits; resends after a reconnect are never stored twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { HostLiveness, HostProcesses } from '../proto/gen/fleet/v1/fleet.js';
import { call, startTestController, type TestController } from './helpers/controller-harness.js';
import type { HostEvent } from '../proto/gen/fleet/v1/events.js';
import type { ProcessInfo } from '../proto/gen/fleet/v1/process.js';
import { toProtoState } from '../proto/process-convert.js';
import { exitEvent, protoProcess, ScriptedAgent, transitionEvent, type ProtoState } from './helpers/scripted-agent.js';

const ALL = { scope: { scope: { $case: 'allHosts' as const, value: true } } };

describe('controller ingest', () => {
  let ctl: TestController;
  const agents: ScriptedAgent[] = [];
  before(async () => {
    ctl = await startTestController();
  });
  after(async () => {
    for (const agent of agents) agent.kill();
    await ctl.close();
  });
  const connect = async (host: string, extra: Partial<Parameters<typeof ScriptedAgent.connect>[1]> = {}): Promise<ScriptedAgent> => {
    const agent = await ScriptedAgent.connect(ctl.address, { host, ...extra });
    agents.push(agent);
    return agent;
  };

  test('the view follows transitions from their state, pid and times, keeping the log files the snapshot named', async () => {
    const agent = await connect('view-1');
    agent.snapshot([{ ...protoProcess('app', 'app', 'STOPPED'), stdoutLogfile: '/var/log/app.out', stderrLogfile: '/var/log/app.err' }]);
    const startMs = 1_700_000_100_000;
    const edge = (seq: number, timeMs: number, from: ProtoState, to: ProtoState, pid: number, spawnError = ''): HostEvent => ({
      seq: BigInt(seq),
      timeMs: BigInt(timeMs),
      kind: { $case: 'transition', value: { group: 'app', name: 'app', from: toProtoState(from), to: toProtoState(to), pid, startMs: BigInt(startMs), stopMs: 0n, exitStatus: 0, spawnError } },
    });
    const listed = async (): Promise<ProcessInfo | undefined> => (await call(ctl.fleet.listProcesses, ctl.fleet, { scope: { scope: { $case: 'host', value: 'view-1' } }, addresses: [] })).processes[0]?.info;

    agent.events([edge(1, startMs, 'STOPPED', 'STARTING', 77), edge(2, startMs + 65_000, 'STARTING', 'RUNNING', 77)]);
    await agent.waitForAck(2);
    const running = await listed();
    assert.deepEqual(
      [running?.state, running?.pid, running?.startMs, running?.nowMs, running?.description, running?.stdoutLogfile, running?.stderrLogfile],
      [toProtoState('RUNNING'), 77, BigInt(startMs), BigInt(startMs + 65_000), 'pid 77, uptime 0:01:05', '/var/log/app.out', '/var/log/app.err'],
    );

    agent.events([edge(3, startMs + 70_000, 'RUNNING', 'BACKOFF', 0, "can't find command 'x'")]);
    await agent.waitForAck(3);
    const backoff = await listed();
    assert.deepEqual([backoff?.state, backoff?.pid, backoff?.description], [toProtoState('BACKOFF'), 0, "can't find command 'x'"], 'BACKOFF shows the spawn error');
  });

  test('a hello, a snapshot and events show in ListProcesses and History', async () => {
    const agent = await connect('web-1', { labels: { role: 'web' } });
    assert.equal(agent.helloAck?.ackedSeq, 0n);
    agent.snapshot([protoProcess('web', 'web', 'RUNNING'), protoProcess('worker', 'worker_0', 'STOPPED')]);
    agent.events([transitionEvent(1, 'worker', 'worker_0', 'STOPPED', 'STARTING'), transitionEvent(2, 'worker', 'worker_0', 'STARTING', 'RUNNING')]);
    agent.events([exitEvent(3, 'web', 'web', 1)]);
    await agent.waitForAck(3);

    const list = await call(ctl.fleet.listProcesses, ctl.fleet, { scope: { scope: { $case: 'host', value: 'web-1' } }, addresses: [] });
    assert.deepEqual(
      list.processes.map((p) => [p.host, p.info?.group, p.info?.name, p.info?.state]),
      [
        ['web-1', 'web', 'web', 3],
        ['web-1', 'worker', 'worker_0', 3],
      ],
    );
    assert.deepEqual(list.hosts.map((h) => [h.name, h.liveness, h.labels, h.counts]), [['web-1', HostLiveness.HOST_LIVENESS_CONNECTED, { role: 'web' }, { RUNNING: 2 }]]);
    assert.deepEqual(list.errors, []);

    const history = await call(ctl.fleet.history, ctl.fleet, { scope: { scope: { $case: 'host', value: 'web-1' } }, addresses: [], sinceMs: 0n, untilMs: 0n, limit: 0 });
    assert.deepEqual(
      history.entries.map((e) => [e.host, e.body?.$case === 'event' ? e.body.value.seq : null, e.body?.$case === 'event' ? e.body.value.kind?.$case : null]),
      [
        ['web-1', 1n, 'transition'],
        ['web-1', 2n, 'transition'],
        ['web-1', 3n, 'exit'],
      ],
    );
  });

  test('ListProcesses shows every change of a host in both its forms, whole host or part, however often it is listed', async () => {
    // This guards the wire forms ListProcesses keeps per host (convert-fleet.ts ListingForms):
    // one kept past a change would show processes as they were.
    const agent = await connect('keep-1');
    agent.snapshot([protoProcess('api', 'api_0', 'RUNNING'), protoProcess('api', 'api_1', 'STOPPED')]);
    await agent.waitFor(async () => (await call(ctl.fleet.listProcesses, ctl.fleet, { scope: { scope: { $case: 'host', value: 'keep-1' } }, addresses: [] })).processes.length === 2, 'the snapshot');

    // Both forms of the answer: a HostProcess per process, and (what fleetctl asks for) a HostProcesses per host.
    const states = async (addresses: string[]): Promise<Array<[string | undefined, number | undefined]>> => {
      const scope = { scope: { $case: 'host' as const, value: 'keep-1' } };
      const single = await call(ctl.fleet.listProcesses, ctl.fleet, { scope, addresses, byHost: false });
      const perHost = await call(ctl.fleet.listProcesses, ctl.fleet, { scope, addresses, byHost: true });
      assert.deepEqual([single.hostProcesses, perHost.processes], [[], []], 'each answer comes in the form asked for');
      const fromHosts = perHost.hostProcesses.map((b) => HostProcesses.decode(b)).flatMap((h) => h.processes.map((info) => ({ host: h.host, info })));
      assert.deepEqual(fromHosts, single.processes, 'both forms hold the same processes');
      return single.processes.map((p) => [p.info?.name, p.info?.state]);
    };
    assert.deepEqual(await states([]), [['api_0', toProtoState('RUNNING')], ['api_1', toProtoState('STOPPED')]]);
    agent.events([transitionEvent(1, 'api', 'api_1', 'STOPPED', 'STARTING')]);
    await agent.waitForAck(1);
    assert.deepEqual(await states([]), [['api_0', toProtoState('RUNNING')], ['api_1', toProtoState('STARTING')]]);
    assert.deepEqual(await states(['api:api_1']), [['api_1', toProtoState('STARTING')]]);
    agent.events([transitionEvent(2, 'api', 'api_1', 'STARTING', 'RUNNING')]);
    await agent.waitForAck(2);
    assert.deepEqual(await states(['api:api_1']), [['api_1', toProtoState('RUNNING')]]);
    assert.deepEqual(await states(['api:api_0']), [['api_0', toProtoState('RUNNING')]]);
    assert.deepEqual(await states([]), [['api_0', toProtoState('RUNNING')], ['api_1', toProtoState('RUNNING')]]);
  });

  test('an ack arrives only after its events are committed to SQLite', async () => {
    const agent = await connect('ack-1');
    const db = new Database(ctl.controller.databasePath, { readonly: true, fileMustExist: true });
    const count = db.prepare<[string, number], { n: number }>('SELECT count(*) AS n FROM events e JOIN hosts h ON h.id = e.host_id WHERE h.name = ? AND e.seq <= ?');
    const seenAtAck: [bigint, number][] = [];
    // Read the database in the very callback that delivers the ack: nothing may be missing yet.
    agent.onMessage = (message) => {
      if (message.body?.$case === 'ack') seenAtAck.push([message.body.value.seq, count.get('ack-1', Number(message.body.value.seq))!.n]);
    };
    try {
      for (let batch = 0; batch < 20; batch++) {
        const events = Array.from({ length: 50 }, (_, i) => transitionEvent(batch * 50 + i + 1, 'app', 'app', 'STARTING', 'RUNNING'));
        agent.events(events);
      }
      await agent.waitForAck(1000);
      assert.ok(seenAtAck.length > 0);
      for (const [seq, stored] of seenAtAck) assert.equal(stored, Number(seq), `ack ${seq} came with only ${stored} events stored`);
    } finally {
      db.close();
    }
  });

  test('events resent after a reconnect are stored once, and the HelloAck says where to resume', async () => {
    const first = await connect('resend-1');
    first.snapshot([protoProcess('app', 'app', 'RUNNING')]);
    first.events([1, 2, 3].map((seq) => transitionEvent(seq, 'app', 'app', 'RUNNING', 'RUNNING')));
    await first.waitForAck(3);
    first.kill();

    const second = await connect('resend-1', { lastSeq: 5 });
    assert.equal(second.helloAck?.ackedSeq, 3n);
    // A careless agent resends everything, in two overlapping batches, one event twice in a batch.
    second.events([1, 2, 3, 4].map((seq) => transitionEvent(seq, 'app', 'app', 'RUNNING', 'RUNNING')));
    second.events([3, 4, 5, 5].map((seq) => transitionEvent(seq, 'app', 'app', 'RUNNING', 'RUNNING')));
    await second.waitForAck(5);

    const history = await call(ctl.fleet.history, ctl.fleet, { scope: { scope: { $case: 'host', value: 'resend-1' } }, addresses: [], sinceMs: 0n, untilMs: 0n, limit: 0 });
    assert.deepEqual(
      history.entries.map((e) => (e.body?.$case === 'event' ? Number(e.body.value.seq) : -1)),
      [1, 2, 3, 4, 5],
    );
  });

  test('a snapshot replaces the host view, so processes the agent no longer has disappear', async () => {
    const agent = await connect('snap-1');
    agent.snapshot([protoProcess('a', 'a'), protoProcess('b', 'b')]);
    agent.heartbeat();
    await agent.waitFor(async () => (await call(ctl.fleet.listProcesses, ctl.fleet, { scope: { scope: { $case: 'host', value: 'snap-1' } }, addresses: [] })).processes.length === 2, 'two processes');
    agent.snapshot([protoProcess('b', 'b', 'STOPPED')]);
    const list = await agent.waitFor(async () => {
      const l = await call(ctl.fleet.listProcesses, ctl.fleet, { scope: { scope: { $case: 'host', value: 'snap-1' } }, addresses: [] });
      return l.processes.length === 1 ? l : undefined;
    }, 'one process');
    assert.deepEqual(list.processes.map((p) => [p.info?.name, p.info?.state]), [['b', 1]]);
  });

  test('a restarted controller knows its hosts, their last processes and acked seqs', async () => {
    const own = await startTestController();
    try {
      const agent = await ScriptedAgent.connect(own.address, { host: 'persist-1', labels: { zone: 'eu' } });
      agent.snapshot([protoProcess('db', 'db')]);
      agent.events([transitionEvent(1, 'db', 'db', 'STARTING', 'RUNNING'), transitionEvent(2, 'db', 'db', 'RUNNING', 'STOPPING')]);
      await agent.waitForAck(2);
      agent.kill();
      await own.close({ keepDir: true });

      const again = await startTestController({ dataDir: own.dataDir });
      try {
        const hosts = await call(again.fleet.listHosts, again.fleet, { hosts: [], labels: undefined });
        assert.deepEqual(hosts.hosts.map((h) => [h.name, h.liveness, h.labels, h.lastSeq]), [['persist-1', HostLiveness.HOST_LIVENESS_DISCONNECTED, { zone: 'eu' }, 2n]]);
        const list = await call(again.fleet.listProcesses, again.fleet, { ...ALL, addresses: [] });
        assert.deepEqual(list.processes.map((p) => [p.host, p.info?.name, p.info?.state]), [['persist-1', 'db', 5]]);
        const back = await ScriptedAgent.connect(again.address, { host: 'persist-1', lastSeq: 2 });
        assert.equal(back.helloAck?.ackedSeq, 2n);
        back.kill();
      } finally {
        await again.close();
      }
    } finally {
      await own.close();
    }
  });
});
