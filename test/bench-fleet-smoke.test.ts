// bench:fleet's agent simulator against a real controller (in-process, SQLite in a temp dir):
// the simulator speaks the link protocol honestly, so the bench's "zero lost" means something.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SimFleet } from '../bench/fleet/sim-fleet.js';
import { checkLoss, countStoredEvents } from '../bench/fleet/stored-events.js';
import { FleetClient } from '../bench/fleet/fleet-client.js';
import { startController, type RunningController } from '../controller/run.js';
import { makeTempDir } from './helpers/temp-dir.js';

const HOSTS = Array.from({ length: 20 }, (_, i) => `smoke-${String(i + 1).padStart(2, '0')}`);
const PROCESSES = 20;

const temp = makeTempDir('bench-fleet-smoke-');
let controller: RunningController | null = null;
let sims: SimFleet | null = null;

async function startOn(dataDir: string, port = 0): Promise<RunningController> {
  return startController({ listen: { host: '127.0.0.1', port }, http: { host: '127.0.0.1', port: 0 }, dataDir, heartbeatMs: 5000 });
}

async function lastSeqs(fleet: SimFleet): Promise<Map<string, number>> {
  const { hosts } = await fleet.stats();
  for (const h of hosts) assert.equal(h.acked, h.seq, `${h.name} has unacked events`);
  return new Map(hosts.map((h) => [h.name, h.seq]));
}

before(async () => {
  controller = await startOn(temp.fresh());
  sims = SimFleet.start(1, temp.path, temp.path);
  await sims.connect({ address: controller.grpcAddress, hosts: HOSTS, processes: PROCESSES, labels: {}, jitterMs: 100, window: 64, batch: 16 }, 20_000);
});

after(async () => {
  await sims?.close();
  await controller?.close();
  temp.remove();
});

test('simulated hosts answer a fleet-wide restart per process, and every event they numbered is stored once', async () => {
  const client = new FleetClient(controller!.grpcAddress);
  try {
    const restart = await client.control('restart');
    assert.deepEqual({ results: restart.results, succeeded: restart.succeeded, hostErrors: restart.hostErrors }, { results: HOSTS.length * PROCESSES, succeeded: HOSTS.length * PROCESSES, hostErrors: 0 });
    await sims!.flood(40, 20_000);
    await sims!.settle(20_000);
    const check = checkLoss(await lastSeqs(sims!), countStoredEvents(controller!.databasePath));
    // 5 events per restarted process (STOPPING, the exit, STOPPED, STARTING, RUNNING) and the flood's 40 per host.
    assert.equal(check.numbered, HOSTS.length * (PROCESSES * 5 + 40));
    assert.deepEqual({ lost: check.lost, doubled: check.doubled, problems: check.problems }, { lost: 0, doubled: 0, problems: [] });
    const counts = await client.counts();
    assert.deepEqual(counts, { hosts: HOSTS.length, processes: HOSTS.length * PROCESSES, running: HOSTS.length * PROCESSES, errors: 0 });
  } finally {
    client.close();
  }
});

test('after the controller restarts in the middle of a flood, the simulated hosts resend what was not acked: nothing lost, nothing doubled', async () => {
  const dataDir = controller!.databasePath.replace(/\/fleet\.db$/, '');
  const port = Number(controller!.grpcAddress.split(':').pop());
  const flooded = sims!.flood(400, 30_000);
  // Let part of the flood be stored, then take the controller away and bring it back on the same port and data.
  while (countEvents(controller!.databasePath) < HOSTS.length * (PROCESSES * 5 + 40) + 1000) await new Promise((r) => setTimeout(r, 20));
  await controller!.close();
  controller = await startOn(dataDir, port);
  await flooded;
  const { hosts } = await sims!.stats();
  assert.ok(hosts.every((h) => h.sessions >= 2), 'every host reconnected');
  const check = checkLoss(await lastSeqs(sims!), countStoredEvents(controller.databasePath));
  assert.deepEqual({ lost: check.lost, doubled: check.doubled, problems: check.problems }, { lost: 0, doubled: 0, problems: [] });
});

function countEvents(path: string): number {
  let n = 0;
  for (const c of countStoredEvents(path).values()) n += c.rows;
  return n;
}
