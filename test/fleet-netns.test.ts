// Three agents as three hosts in their own network namespaces, the controller in a fourth
// (reference/toolchain.md §6). The controller's development mode binds loopback only, so a TCP
// relay in its namespace exposes it on the bridge; every host's link to it is a real veth that
// the test cuts and restores.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FLEET_AGENT, pidAlive, repoRoot, writeConfig } from './helpers/agent-process.js';
import { FLEET_CONTROLLER, FLEETCTL } from './helpers/controller-process.js';
import { CONTROLLER_IP, listNamespaces, netnsAvailable, NetnsLab } from './helpers/netns.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const skip = !netnsAvailable() && 'needs root and ip netns';
const RELAY = join(repoRoot(), 'dist', 'test', 'helpers', 'tcp-relay.js');
const HEARTBEAT_MS = 500;
const CTL_PORT = 7400;

const tmp = makeTempDir('fleet-netns-');
let lab: NetnsLab | null = null;
after(async () => {
  await lab?.close();
  tmp.remove();
});

/** Collects a child's stdout and stderr. */
function capture(child: ReturnType<NetnsLab['spawn']>): () => string {
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (text += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (text += s));
  return () => text;
}

/** fleetctl inside the controller's namespace, against the controller's loopback address. */
async function ctl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = lab!.spawn(lab!.ctl, process.execPath, [FLEETCTL, '--controller', `127.0.0.1:${CTL_PORT}`, '--insecure', ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const [code] = await once(child, 'exit');
  return { code: code as number, stdout, stderr, ms: Date.now() - started };
}

interface StatusRow {
  host: string;
  name: string;
  pid: number;
  state: string;
  host_state: string;
}

async function status(): Promise<StatusRow[]> {
  const r = await ctl('status', '-A', '-o', 'json');
  return (JSON.parse(r.stdout) as { processes: StatusRow[] }).processes;
}

test('a host whose link is cut shows disconnected within two heartbeats, keeps its processes, fails commands fast, and reconciles when the link returns', { skip, timeout: 90_000 }, async () => {
  lab = new NetnsLab(3, 'r');
  const controller = lab.spawn(lab.ctl, process.execPath, [FLEET_CONTROLLER, '--insecure', '--listen', `127.0.0.1:${CTL_PORT}`, '--http', '127.0.0.1:0', '--data', join(tmp.path, 'controller'), '--heartbeat', `${HEARTBEAT_MS}ms`]);
  const controllerOut = capture(controller);
  const relay = lab.spawn(lab.ctl, process.execPath, [RELAY, CONTROLLER_IP, String(CTL_PORT), '127.0.0.1', String(CTL_PORT)]);
  const relayOut = capture(relay);
  await waitFor(() => /ready: gRPC/.test(controllerOut()) && /relay ready/.test(relayOut()), { what: `controller and relay; controller said: ${controllerOut()}` });

  const agentOut: Array<() => string> = [];
  for (const [i, host] of lab.hosts.entries()) {
    const dir = join(tmp.path, `h${i + 1}`);
    mkdirSync(dir);
    const config = writeConfig(
      dir,
      `[supervisord]\nlogfile = %(here)s/agent.log\npidfile = %(here)s/agent.pid\nchildlogdir = %(here)s\n` +
        `[fleet]\nhost = host-${i + 1}\ncontroller = ${CONTROLLER_IP}:${CTL_PORT}\ninsecure = true\nstate_dir = %(here)s/state\n` +
        `[program:steady]\ncommand = sleep 1000\nstartsecs = 0\n`,
    );
    agentOut.push(capture(lab.spawn(host.ns, process.execPath, [FLEET_AGENT, '-n', '-c', config])));
  }
  const before = await waitFor(async () => {
    const rows = await status();
    return rows.length === 3 && rows.every((r) => r.state === 'RUNNING' && r.host_state === 'connected') ? rows : null;
  }, { what: `three hosts with steady running; agent output: ${agentOut.map((o) => o()).join('\n')}`, timeoutMs: 30_000 });
  const h2pid = before.find((r) => r.host === 'host-2')!.pid;

  // Watch liveness from the controller's side as it happens.
  const watch = lab.spawn(lab.ctl, process.execPath, [FLEETCTL, '--controller', `127.0.0.1:${CTL_PORT}`, '--insecure', 'events', '-A', '-o', 'json']);
  const watchOut = capture(watch);
  // The watch is live once it shows an event: a restart on host-3 makes some.
  await waitFor(async () => {
    await ctl('restart', 'host-3/steady');
    return /"host":"host-3"/.test(watchOut());
  }, { what: 'the event watch to be live', intervalMs: 300 });

  const cutAt = Date.now();
  lab.setLink(lab.hosts[1]!, false);
  const disconnected = await waitFor(() => {
    const line = watchOut().split('\n').find((l) => l.includes('"kind":"liveness"') && l.includes('"host":"host-2"') && l.includes('"state":"disconnected"'));
    return line ? (JSON.parse(line) as { time_ms: number }) : null;
  }, { what: 'host-2 disconnected in the event stream' });
  assert.ok(disconnected.time_ms - cutAt <= 2 * HEARTBEAT_MS + 300, `disconnected ${disconnected.time_ms - cutAt} ms after the cut (heartbeat ${HEARTBEAT_MS} ms)`);

  const hosts = JSON.parse((await ctl('hosts', '-o', 'json')).stdout) as { hosts: Array<{ name: string; state: string }> } | Array<{ name: string; state: string }>;
  const hostList = Array.isArray(hosts) ? hosts : hosts.hosts;
  assert.deepEqual(hostList.map((h) => [h.name, h.state]), [['host-1', 'connected'], ['host-2', 'disconnected'], ['host-3', 'connected']]);
  assert.equal(pidAlive(h2pid), true, 'host-2\'s process keeps running while its link is cut');

  const cmd = await ctl('restart', '-A', 'steady');
  assert.match(cmd.stdout + cmd.stderr, /host-2.*unreachable/i);
  assert.match(cmd.stdout, /host-1\/steady: restarted/);
  assert.match(cmd.stdout, /host-3\/steady: restarted/);
  assert.notEqual(cmd.code, 0);
  assert.ok(cmd.ms < 5000, `the command to a cut-off host came back in ${cmd.ms} ms`);

  lab.setLink(lab.hosts[1]!, true);
  const after = await waitFor(async () => {
    const rows = await status();
    const h2 = rows.find((r) => r.host === 'host-2');
    return h2?.host_state === 'connected' ? h2 : null;
  }, { what: 'host-2 connected again', timeoutMs: 40_000 });
  assert.deepEqual([after.state, after.pid], ['RUNNING', h2pid], 'the same child, untouched, as the reconciled view shows');
  const history = JSON.parse((await ctl('history', 'host-2/', '--limit', '1000', '-o', 'json')).stdout) as { entries: Array<{ seq?: number }> };
  const seqs = history.entries.map((e) => e.seq).filter((s): s is number => s !== undefined);
  assert.equal(new Set(seqs).size, seqs.length, 'no event doubled');
  assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'no event missing');

  const prefix = lab.ctl.replace(/-ctl$/, '');
  await lab.close();
  assert.deepEqual(listNamespaces(prefix), [], 'every namespace removed');
  assert.equal(pidAlive(h2pid), false, 'the agents stopped their children on the way out');
});
