/**
 * Host liveness and agent sessions with a real controller and scripted agents: silence makes a
 * host stale, then disconnected (and ends its stream); any message brings it back; a newer
 * hello replaces the older stream; an agent reconnecting in a tight loop is turned away with a
 * retry delay while the controller keeps serving everyone else.
 */
import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import { after, before, describe, test } from 'node:test';
import { HostLiveness, type Host } from '../proto/gen/fleet/v1/fleet.js';
import { call, faultOf, startTestController, type TestController } from './helpers/controller-harness.js';
import { protoProcess, ScriptedAgent } from './helpers/scripted-agent.js';
import { waitFor } from './helpers/wait-for.js';

const HEARTBEAT_MS = 300;

describe('controller liveness', () => {
  let ctl: TestController;
  const agents: ScriptedAgent[] = [];
  before(async () => {
    ctl = await startTestController({ heartbeatMs: HEARTBEAT_MS, core: { reconnect: { burst: 4, refillMs: 500 } } });
  });
  after(async () => {
    for (const agent of agents) agent.kill();
    await ctl.close();
  });
  const connect = async (host: string): Promise<ScriptedAgent> => {
    const agent = await ScriptedAgent.connect(ctl.address, { host });
    agents.push(agent);
    return agent;
  };
  const hostNamed = async (name: string): Promise<Host | undefined> =>
    (await call(ctl.fleet.listHosts, ctl.fleet, { hosts: [name], labels: undefined })).hosts[0];
  const livenessOf = async (name: string): Promise<HostLiveness | undefined> => (await hostNamed(name))?.liveness;

  test('the HelloAck gives the heartbeat interval, and the controller sends heartbeats at it', async () => {
    const agent = await connect('beat-1');
    assert.equal(agent.helloAck?.heartbeatMs, HEARTBEAT_MS);
    const beat = setInterval(() => agent.heartbeat(), HEARTBEAT_MS / 2);
    try {
      const start = Date.now();
      await agent.waitFor(() => agent.received.heartbeats >= 3, 'three heartbeats from the controller');
      assert.ok(Date.now() - start >= 2 * HEARTBEAT_MS, 'the heartbeats came faster than the interval');
    } finally {
      clearInterval(beat);
    }
  });

  test('a silent host goes stale after 1.5 intervals, disconnected after 2, and its stream is ended', async () => {
    const agent = await connect('quiet-1');
    const start = Date.now();
    await agent.waitFor(async () => (await livenessOf('quiet-1')) === HostLiveness.HOST_LIVENESS_STALE, 'stale');
    const staleAfter = Date.now() - start;
    await agent.waitFor(async () => (await livenessOf('quiet-1')) === HostLiveness.HOST_LIVENESS_DISCONNECTED, 'disconnected');
    const disconnectedAfter = Date.now() - start;
    assert.ok(staleAfter >= 1.5 * HEARTBEAT_MS - 50, `stale after ${staleAfter} ms`);
    assert.ok(disconnectedAfter >= 2 * HEARTBEAT_MS - 50, `disconnected after ${disconnectedAfter} ms`);
    const status = await agent.waitForEnd();
    assert.equal(status.code, Status.UNAVAILABLE);
    assert.match(status.details, /nothing heard/);
  });

  test('a stale host that speaks again is connected again', async () => {
    const agent = await connect('flaky-1');
    await agent.waitFor(async () => (await livenessOf('flaky-1')) === HostLiveness.HOST_LIVENESS_STALE, 'stale');
    agent.heartbeat();
    await agent.waitFor(async () => (await livenessOf('flaky-1')) === HostLiveness.HOST_LIVENESS_CONNECTED, 'connected again');
  });

  test('an agent that heartbeats stays connected through many intervals', async () => {
    const agent = await connect('steady-1');
    const timer = setInterval(() => agent.heartbeat(), HEARTBEAT_MS / 3);
    try {
      const seen = new Set<HostLiveness | undefined>();
      const until = Date.now() + 4 * HEARTBEAT_MS;
      while (Date.now() < until) {
        seen.add(await livenessOf('steady-1'));
        await new Promise((r) => setTimeout(r, HEARTBEAT_MS / 4));
      }
      assert.deepEqual([...seen], [HostLiveness.HOST_LIVENESS_CONNECTED]);
    } finally {
      clearInterval(timer);
    }
  });

  test('liveness changes reach WatchEvents', async () => {
    const watch = ctl.fleet.watchEvents({ scope: { scope: { $case: 'allHosts', value: true } }, addresses: [] });
    const seen: [string, HostLiveness][] = [];
    watch.on('data', (m: { entry?: { host: string; body?: { $case: string; value: { liveness?: HostLiveness } } } }) => {
      if (m.entry?.body?.$case === 'liveness') seen.push([m.entry.host, m.entry.body.value.liveness!]);
    });
    watch.on('error', () => {});
    // The watch is live once a probe host's connect shows on it.
    let probes = 0;
    await waitFor(
      async () => {
        (await connect(`probe-${++probes}`)).kill();
        return seen.some(([host]) => host.startsWith('probe-'));
      },
      { what: 'the watch to see a probe host' },
    );
    await connect('watched-1');
    const watched = (): HostLiveness[] => seen.filter(([host]) => host === 'watched-1').map(([, l]) => l);
    await waitFor(() => watched().includes(HostLiveness.HOST_LIVENESS_DISCONNECTED), { what: 'watched-1 to disconnect' });
    assert.deepEqual(watched(), [HostLiveness.HOST_LIVENESS_CONNECTED, HostLiveness.HOST_LIVENESS_STALE, HostLiveness.HOST_LIVENESS_DISCONNECTED]);
    watch.cancel();
  });

  test('a newer hello for the same host replaces the older stream', async () => {
    const old = await connect('twice-1');
    old.snapshot([protoProcess('a', 'a')]);
    const newer = await connect('twice-1');
    const status = await old.waitForEnd();
    assert.equal(status.code, Status.UNAVAILABLE);
    assert.match(status.details, /replaced by a newer stream/);
    newer.heartbeat();
    assert.equal(await livenessOf('twice-1'), HostLiveness.HOST_LIVENESS_CONNECTED);
  });

  test('an agent reconnecting in a tight loop is refused with RESOURCE_EXHAUSTED, and others are served meanwhile', async () => {
    const bystander = await connect('bystander-1');
    const beat = setInterval(() => bystander.heartbeat(), HEARTBEAT_MS / 2);
    try {
      const refused: string[] = [];
      const start = Date.now();
      for (let i = 0; i < 30; i++) {
        const agent = ScriptedAgent.open(ctl.address, 'looper-1');
        agent.hello({ host: 'looper-1' });
        await agent.waitFor(() => agent.helloAck !== null || agent.status !== null, 'a HelloAck or an end');
        if (agent.status && agent.status.code === Status.RESOURCE_EXHAUSTED) refused.push(agent.status.details);
        agent.kill();
      }
      // A bucket of 4 that gains one hello per 500 ms lets at most this many through.
      const allowed = 4 + Math.ceil((Date.now() - start) / 500);
      assert.ok(30 - refused.length <= allowed, `${30 - refused.length} of 30 hellos accepted, at most ${allowed} expected`);
      assert.ok(refused.length > 0);
      assert.match(refused[0]!, /^host looper-1 reconnects too often; retry in \d+ ms$/);
      // The controller still answers, and the bystander stayed connected.
      assert.equal(await livenessOf('bystander-1'), HostLiveness.HOST_LIVENESS_CONNECTED);
      // Once the bucket refills (a refused hello takes nothing from it), the host is welcome again.
      const back = await waitFor(
        async () => {
          const agent = ScriptedAgent.open(ctl.address, 'looper-1');
          agents.push(agent);
          agent.hello({ host: 'looper-1' });
          await agent.waitFor(() => agent.helloAck !== null || agent.status !== null, 'a HelloAck or an end');
          return agent.helloAck;
        },
        { what: 'looper-1 accepted again', timeoutMs: 3000, intervalMs: 100 },
      );
      assert.equal(back.heartbeatMs, HEARTBEAT_MS);
    } finally {
      clearInterval(beat);
    }
  });

  test('a refused hello carries RATE_LIMITED in fleet-fault', async () => {
    let fault: string | undefined;
    for (let i = 0; i < 10 && fault === undefined; i++) {
      const agent = ScriptedAgent.open(ctl.address, 'looper-2');
      agent.hello({ host: 'looper-2' });
      await agent.waitFor(() => agent.helloAck !== null || agent.status !== null, 'a HelloAck or an end');
      if (agent.status) fault = faultOf(agent.status);
      agent.kill();
    }
    assert.equal(fault, 'RATE_LIMITED');
  });

  test('closing the controller ends agent streams and watches with UNAVAILABLE `server shutting down`', async () => {
    const own = await startTestController({ heartbeatMs: HEARTBEAT_MS });
    try {
      const agent = await ScriptedAgent.connect(own.address, { host: 'closing-1' });
      agents.push(agent);
      const watch = own.fleet.watchEvents({ scope: { scope: { $case: 'allHosts', value: true } }, addresses: [] });
      const watchEnd = new Promise<{ code: number; details: string }>((resolve) => watch.on('error', resolve));
      watch.on('data', () => {});
      // The watch is live once it has seen something: a second host's connect.
      const seenProbe = new Promise<void>((resolve) => watch.once('data', () => resolve()));
      agents.push(await ScriptedAgent.connect(own.address, { host: 'closing-probe' }));
      await seenProbe;
      await own.controller.close();
      const status = await agent.waitForEnd();
      assert.deepEqual([status.code, status.details], [Status.UNAVAILABLE, 'server shutting down']);
      const watched = await watchEnd;
      assert.deepEqual([watched.code, watched.details], [Status.UNAVAILABLE, 'server shutting down']);
    } finally {
      await own.close();
    }
  });

  test('a host that disconnected keeps its last known processes in listings', async () => {
    const agent = await connect('gone-1');
    agent.snapshot([protoProcess('db', 'db')]);
    agent.heartbeat();
    await agent.waitFor(async () => (await hostNamed('gone-1'))?.counts['RUNNING'] === 1, 'the snapshot');
    agent.kill();
    await agent.waitFor(async () => (await livenessOf('gone-1')) === HostLiveness.HOST_LIVENESS_DISCONNECTED, 'disconnected');
    const list = await call(ctl.fleet.listProcesses, ctl.fleet, { scope: { scope: { $case: 'host', value: 'gone-1' } }, addresses: [] });
    assert.deepEqual(list.processes.map((p) => p.info?.name), ['db']);
    assert.equal(list.hosts[0]?.liveness, HostLiveness.HOST_LIVENESS_DISCONNECTED);
  });
});
