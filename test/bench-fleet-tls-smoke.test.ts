// bench:fleet --tls's path against a real secure controller (in-process): simulated hosts enroll
// with the agents' own join code and stream over mutual TLS, and the harness's client reaches
// the controller over TLS with a token, so the TLS figures measure what they say.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FleetClient } from '../bench/fleet/fleet-client.js';
import { SimFleet } from '../bench/fleet/sim-fleet.js';
import { startSecureController, type SecureController } from './helpers/secure-controller.js';
import { makeTempDir } from './helpers/temp-dir.js';

const HOSTS = Array.from({ length: 10 }, (_, i) => `tls-smoke-${String(i + 1).padStart(2, '0')}`);
const PROCESSES = 5;

const temp = makeTempDir('bench-fleet-tls-smoke-');
let ctl: SecureController | null = null;
let sims: SimFleet | null = null;

before(async () => {
  ctl = await startSecureController();
  sims = SimFleet.start(2, temp.path, temp.path);
});

after(async () => {
  await sims?.close();
  await ctl?.close();
  temp.remove();
});

test('simulated hosts enroll, stream over mutual TLS, and answer a fleet-wide restart through a TLS client with a token', async () => {
  const joinToken = await ctl!.mint({ role: 'join', ttlMs: 600_000 });
  const stateRoot = join(temp.path, 'state');
  const enrolled = await sims!.enroll({ address: ctl!.address, fingerprint: ctl!.fingerprint, joinToken, hosts: HOSTS, stateRoot, concurrency: 4 }, 60_000);
  assert.equal(enrolled.enrolled, HOSTS.length);
  await sims!.connect({ address: ctl!.address, stateRoot, hosts: HOSTS, processes: PROCESSES, labels: {}, jitterMs: 100, window: 64, batch: 16 }, 30_000);
  const client = new FleetClient(ctl!.address, { fingerprint: ctl!.fingerprint, caPem: ctl!.caPem, caFile: '', adminToken: ctl!.adminToken, joinToken });
  try {
    assert.deepEqual(await client.counts(), { hosts: HOSTS.length, processes: HOSTS.length * PROCESSES, running: HOSTS.length * PROCESSES, errors: 0 });
    const restart = await client.control('restart');
    assert.deepEqual({ succeeded: restart.succeeded, hostErrors: restart.hostErrors }, { succeeded: HOSTS.length * PROCESSES, hostErrors: 0 });
  } finally {
    client.close();
  }
});
