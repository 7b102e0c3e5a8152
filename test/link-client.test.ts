// ControllerLink in-process, against the scripted controller: the parts of its life cycle a
// fleet-agent process hides.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Supervisor } from '../agent/engine/supervisor.js';
import { ControllerLink } from '../agent/link/link.js';
import { Spool } from '../agent/link/spool.js';
import type { EngineEvent } from '../agent/process/events.js';
import { recordingLogger } from './helpers/recording-logger.js';
import { ScriptedController } from './helpers/scripted-controller.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const tmp = makeTempDir('fleetvisor-link-client-');
const controllers: ScriptedController[] = [];
after(() => {
  for (const c of controllers) c.close();
  tmp.remove();
});

/** An engine with no processes: all the link asks of it here is a snapshot. */
const EMPTY_ENGINE = {
  getAllProcessInfo: () => [],
  getProcessInfo: () => {
    throw new Error('no such process');
  },
} as unknown as Supervisor;

const exit = (pid: number): EngineEvent => ({
  type: 'exited',
  group: 'g',
  name: 'p',
  pid,
  time: Date.now(),
  status: { code: 1, signal: null, coreDumped: false },
  expected: false,
});

function open(controller: string, dir: string, logger = recordingLogger()): ControllerLink {
  return ControllerLink.open({
    fleet: { host: 'h1', labels: {}, controller, insecure: true, stateDir: dir, spoolMaxBytes: 1024 * 1024, joinToken: null, caFingerprint: null },
    spoolDir: join(dir, 'spool'),
    host: { engine: () => EMPTY_ENGINE, state: () => 'RUNNING', loadConfig: () => ({ ok: false, errors: [], warnings: [] }) },
    logger,
    instanceId: 'test-instance',
    startedMs: 1,
  });
}

test('events recorded before the link dials are spooled and sent once it is up; close() ends the stream and may be called again', async () => {
  const c = await ScriptedController.start();
  controllers.push(c);
  const dir = tmp.fresh();
  const logger = recordingLogger();
  const link = open(c.address, dir, logger);
  link.record(exit(1));
  link.record({ type: 'spawned', group: 'g', name: 'p', pid: 2, time: 0 });
  assert.equal(link.lastSeq, 1, 'numbered at once; spawns are not history');
  link.start();
  const conn = await c.connection(1);
  assert.equal(conn.hello!.instanceId, 'test-instance');
  await waitFor(() => c.ackedSeq === 1, { what: 'the early event acked' });
  link.record(exit(3));
  // Acked by the controller, and the ack taken in by the agent.
  await waitFor(() => c.ackedSeq === 2 && link.ackedSeq === 2, { what: 'the live event acked' });
  await Promise.all([link.close(), link.close()]);
  await link.close();
  await waitFor(() => conn.ended, { what: 'the stream to end' });
  link.record(exit(4)); // after close: ignored, not a throw
  assert.ok(logger.lines.some(([level, m]) => level === 'info' && m.startsWith(`controller link up: ${c.address}`)));
  const spool = Spool.open(join(dir, 'spool'), { maxBytes: 1024 * 1024, logger });
  assert.equal(spool.lastSeq, 2, 'the spool and its counter stay for the next run');
  assert.equal(spool.ackedSeq, 2);
  spool.close();
});

test('closing the link while the controller has not answered Hello ends the attempt at once', async () => {
  const c = await ScriptedController.start({ helloAck: false });
  controllers.push(c);
  const link = open(c.address, tmp.fresh());
  link.start();
  const conn = await c.connection(1);
  const started = Date.now();
  await link.close();
  assert.ok(Date.now() - started < 1000, 'close does not wait for the hello timeout');
  await waitFor(() => conn.ended, { what: 'the stream to end' });
});
