// A simulator process: many simulated hosts (sim-host.ts), driven by the harness over the IPC
// channel (sim-protocol.ts). Started by sim-fleet.ts with fork(); its first argument is the
// bench's temp dir, only so that the harness's cleanup finds it by its command line. It exits
// when the harness goes away (the IPC channel closes) or says close.
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { readCredentials } from '../../agent/link/agent-credentials.js';
import { joinController } from '../../agent/link/enrollment.js';
import { SimHost, wallMs } from './sim-host.js';
import type { ConnectArgs, ConnectReply, EnrollArgs, EnrollReply, FloodReply, SettleReply, SimReply, SimRequest, StatsReply } from './sim-protocol.js';

const hosts: SimHost[] = [];
const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();
let pid = 1000 + Math.floor(Math.random() * 1000);
const nextPid = (): number => (pid = pid >= 4_000_000 ? 1000 : pid + 1);

/** Joins every host of `args` with the real enrollment code, `concurrency` at a time. */
async function enroll(args: EnrollArgs): Promise<EnrollReply> {
  const startedAt = wallMs();
  const queue = [...args.hosts];
  const worker = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      await joinController({ controller: args.address, token: args.joinToken, caFingerprint: args.fingerprint, host: name, stateDir: join(args.stateRoot, name) });
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.concurrency, args.hosts.length) }, worker));
  return { startedAt, doneAt: wallMs(), enrolled: args.hosts.length };
}

async function connect(args: ConnectArgs): Promise<ConnectReply> {
  const instanceId = randomUUID();
  for (const name of args.hosts) {
    const credentials = args.stateRoot === undefined ? null : readCredentials(join(args.stateRoot, name));
    if (args.stateRoot !== undefined && credentials === null) throw new Error(`host ${name} has no certificate in ${join(args.stateRoot, name)}: enroll it first`);
    const host = new SimHost({ name, address: args.address, processes: args.processes, labels: args.labels, window: args.window, batch: args.batch, nextPid, instanceId, credentials });
    hosts.push(host);
    host.start(Math.random() * args.jitterMs);
  }
  const ups = await Promise.all(hosts.map((h) => h.whenUp()));
  return { firstUpAt: Math.min(...ups), lastUpAt: Math.max(...ups) };
}

async function flood(eventsPerHost: number): Promise<FloodReply> {
  const startedAt = wallMs();
  const done = await Promise.all(hosts.map((h) => h.flood(eventsPerHost)));
  return { startedAt, doneAt: Math.max(startedAt, ...done), events: eventsPerHost * hosts.length };
}

async function settle(): Promise<SettleReply> {
  const done = await Promise.all(hosts.map((h) => h.settled()));
  return { doneAt: Math.max(0, ...done) };
}

/** The hosts' figures, and the longest loop stall since the previous call. */
function stats(): StatsReply {
  const maxLoopDelayMs = loopDelay.max / 1e6;
  loopDelay.reset();
  return { hosts: hosts.map((h) => h.stats()), maxLoopDelayMs };
}

function closeAll(): void {
  for (const h of hosts) h.close();
}

async function handle(request: SimRequest): Promise<unknown> {
  switch (request.op) {
    case 'enroll':
      return enroll(request.args);
    case 'connect':
      return connect(request.args);
    case 'flood':
      return flood(request.eventsPerHost);
    case 'settle':
      return settle();
    case 'stats':
      return stats();
    case 'close':
      closeAll();
      setImmediate(() => process.exit(0));
      return {};
  }
}

function reply(message: SimReply): void {
  if (process.connected) process.send?.(message);
}

if (!process.send) {
  process.stderr.write('simulator.js is started by the bench harness (bench/fleet/sim-fleet.ts) with an IPC channel\n');
  process.exit(2);
}
process.on('message', (request: SimRequest) => {
  handle(request).then(
    (result) => reply({ id: request.id, ok: true, result }),
    (err: unknown) => reply({ id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});
process.on('disconnect', () => {
  closeAll();
  process.exit(0);
});
