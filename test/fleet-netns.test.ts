// Three agents as three hosts in their own network namespaces, the controller in a fourth
// (reference/toolchain.md §6), in secure mode as in production: the controller binds the bridge
// address itself, the operator bootstraps an admin token and makes a join token, and each agent
// enrolls on first start ([fleet] join_token, ca_fingerprint) and streams over mutual TLS. Every
// host's link to the controller is a real veth that the test cuts and restores.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FLEET_AGENT, pidAlive, writeConfig } from './helpers/agent-process.js';
import { FLEET_CONTROLLER, FLEETCTL } from './helpers/controller-process.js';
import { CONTROLLER_IP, listNamespaces, netnsAvailable, NetnsLab } from './helpers/netns.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const skip = !netnsAvailable() && 'needs root and ip netns';
const HEARTBEAT_MS = 500;
const CTL_PORT = 7400;
const CONTROLLER = `${CONTROLLER_IP}:${CTL_PORT}`;

const tmp = makeTempDir('fleet-netns-');
const dataDir = join(tmp.path, 'controller');
const caFile = join(dataDir, 'pki', 'ca.crt');
let lab: NetnsLab | null = null;
let adminToken = '';
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

/** A command run to its end inside namespace `ns`. */
async function runIn(ns: string, command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = lab!.spawn(ns, command, args);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const [code] = await once(child, 'exit');
  return { code: code as number, stdout, stderr, ms: Date.now() - started };
}

/** fleetctl's credentials for the controller: over TLS with its CA, an admin token. */
function fleetctlArgs(): string[] {
  return ['--controller', CONTROLLER, '--ca', caFile, '--token', adminToken];
}

/** fleetctl inside the controller's namespace, against the controller's bridge address. */
function ctl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  return runIn(lab!.ctl, process.execPath, [FLEETCTL, ...fleetctlArgs(), ...args]);
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

test('hosts enrolled over the network stream over mutual TLS; a host whose link is cut shows disconnected within two heartbeats, keeps its processes, fails commands fast, and reconciles when the link returns; a revoked host is cut off', { skip, timeout: 90_000 }, async () => {
  lab = new NetnsLab(3, 'r');
  const controller = lab.spawn(lab.ctl, process.execPath, [FLEET_CONTROLLER, '--listen', CONTROLLER, '--http', '127.0.0.1:0', '--data', dataDir, '--heartbeat', `${HEARTBEAT_MS}ms`]);
  const controllerOut = capture(controller);
  const ready = await waitFor(() => /^CA fingerprint: (sha256:[0-9a-f]{64}).*\n.*ready: gRPC/m.exec(controllerOut()), { what: `the controller; it said: ${controllerOut()}` });
  const fingerprint = ready[1]!;

  // The operator's first steps: the first admin token, then a join token for the hosts.
  const bootstrap = await runIn(lab.ctl, process.execPath, [FLEET_CONTROLLER, 'bootstrap', '--data', dataDir]);
  assert.equal(bootstrap.code, 0, bootstrap.stderr);
  adminToken = bootstrap.stdout.trim();
  const created = await ctl('token', 'create', '--role', 'join', '--ttl', '10m');
  assert.equal(created.code, 0, created.stderr);
  const joinToken = created.stdout.trim();

  const agentOut: Array<() => string> = [];
  for (const [i, host] of lab.hosts.entries()) {
    const dir = join(tmp.path, `h${i + 1}`);
    mkdirSync(dir);
    const config = writeConfig(
      dir,
      `[supervisord]\nlogfile = %(here)s/agent.log\npidfile = %(here)s/agent.pid\nchildlogdir = %(here)s\n` +
        `[fleet]\nhost = host-${i + 1}\ncontroller = ${CONTROLLER}\nstate_dir = %(here)s/state\n` +
        `join_token = ${joinToken}\nca_fingerprint = ${fingerprint}\n` +
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
  const watch = lab.spawn(lab.ctl, process.execPath, [FLEETCTL, ...fleetctlArgs(), 'events', '-A', '-o', 'json']);
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

  // Revoking host-3 cuts it off over the network at once; its process keeps running.
  const h3pid = (await status()).find((r) => r.host === 'host-3')!.pid;
  const revoked = await ctl('hosts', 'revoke', 'host-3');
  assert.equal(revoked.stdout, 'host-3: revoked (1 certificate revoked; its stream was ended)\n', revoked.stderr);
  await waitFor(async () => (await status()).find((r) => r.host === 'host-3')?.host_state === 'disconnected', { what: 'host-3 disconnected' });
  await waitFor(() => /controller link to .* refused: UNAUTHENTICATED: the certificate of host host-3 .* was revoked/.test(agentOut[2]!()), {
    what: `host-3's agent refused on its reconnect; it said: ${agentOut[2]!()}`,
  });
  assert.equal(pidAlive(h3pid), true, 'a revoked host keeps its processes');
  assert.match(agentOut[0]!(), /joined 198\.18\.0\.1:7400 as host host-1: certificate valid until /);

  const prefix = lab.ctl.replace(/-ctl$/, '');
  await lab.close();
  assert.deepEqual(listNamespaces(prefix), [], 'every namespace removed');
  assert.equal(pidAlive(h2pid), false, 'the agents stopped their children on the way out');
});
