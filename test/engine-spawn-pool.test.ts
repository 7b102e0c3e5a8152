import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isFleetError } from '../common/errors.js';
import type { SpawnOutcome, SpawnRequest, Spawner } from '../agent/process/spawner.js';
import { EngineHarness, edges, group, program, single, waitFor } from './helpers/engine-harness.js';
import { withFreeFds } from './helpers/fd-limit.js';

// Spawns run on the addon's thread pool, several at once: what the engine guarantees anyway
// (priority order, startsecs from the child's creation, a stop that arrives before the child
// exists, spawn errors with supervisord's texts).

const h = new EngineHarness();
after(() => h.cleanup());

/** Whether a pid is gone (or a zombie waiting for init). */
function dead(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z');
  } catch {
    return true;
  }
}

/**
 * h.spawner, recording when each spawn of a process began and when its answer came back, and
 * starting each spawn `delayMs` late (as a spawn waiting for a free pool thread would).
 */
function recordingSpawner(log: string[], delayMs = 0): Spawner {
  const inner = h.spawner;
  const name = (req: SpawnRequest): string => req.env.SUPERVISOR_PROCESS_NAME ?? '?';
  return {
    spawn: (req) => inner.spawn(req),
    spawnAsync(req: SpawnRequest, done: (outcome: SpawnOutcome) => void): void {
      log.push(`begin ${name(req)}`);
      const go = (): void =>
        inner.spawnAsync(req, (outcome) => {
          log.push(`done ${name(req)}`);
          done(outcome);
        });
      if (delayMs > 0) setTimeout(go, delayMs);
      else go();
    },
    onExit: (listener) => inner.onExit(listener),
    kill: (pid, signal, grp) => inner.kill(pid, signal, grp),
    close: () => {},
  };
}

describe('spawns on the thread pool', () => {
  test('every spawn of one priority has completed before the first of the next begins; equal ones overlap', async () => {
    const log: string[] = [];
    const sleeper = (name: string, priority: number) => program(name, 'sleep 30', { priority, startsecs: 0 });
    const { engine } = await h.engine(
      [
        group('late', [sleeper('late_a', 1), sleeper('late_b', 1)], 20),
        group('early', [sleeper('early_a', 1), sleeper('early_b', 1), sleeper('early_c', 2)], 10),
      ],
      { spawner: recordingSpawner(log) },
    );
    const pos = (entry: string): number => {
      const i = log.indexOf(entry);
      assert.ok(i >= 0, `${entry} in ${log.join(', ')}`);
      return i;
    };
    // (10, 1): early_a and early_b together; then (10, 2): early_c; then (20, 1): late_*.
    assert.ok(pos('begin early_b') < pos('done early_a'), `early_a and early_b overlap: ${log.join(', ')}`);
    assert.ok(pos('begin early_c') > Math.max(pos('done early_a'), pos('done early_b')), log.join(', '));
    assert.ok(pos('begin late_a') > pos('done early_c'), log.join(', '));
    assert.ok(pos('begin late_b') < pos('done late_a'), `late_a and late_b overlap: ${log.join(', ')}`);
    await h.finish(engine);
  });

  test('startsecs counts from the moment the child was created, not from the start request', async () => {
    const { engine, events } = await h.engine([single(program('clocked', 'sleep 30', { autostart: false }))], {
      spawner: recordingSpawner([], 400),
    });
    await engine.startProcess({ group: 'clocked', name: 'clocked' });
    const starting = events.find((e) => e.type === 'transition' && e.to === 'STARTING')!;
    const running = events.find((e) => e.type === 'transition' && e.to === 'RUNNING')!;
    assert.ok(running.time - starting.time >= 1390, `RUNNING ${running.time - starting.time} ms after the request`);
    await h.finish(engine);
  });

  test('a stop that arrives before the child exists stops the child as soon as it is spawned', async () => {
    const { engine, logger, events } = await h.engine([single(program('early', 'sleep 30', { autostart: false }))]);
    const ref = { group: 'early', name: 'early' };
    const start = assert.rejects(engine.startProcess(ref), (err) => isFleetError(err, 'ABNORMAL_TERMINATION'));
    assert.equal(engine.getProcessInfo(ref).pid, 0, 'the spawn is still in flight');
    await engine.stopProcess(ref); // in the same turn: the pool cannot have answered yet
    await start;
    const info = engine.getProcessInfo(ref);
    assert.equal(info.statename, 'STOPPED');
    assert.deepEqual(edges(events, 'early'), ['STOPPED -> STARTING', 'STARTING -> STOPPING', 'STOPPING -> STOPPED']);
    const pid = events.find((e) => e.type === 'spawned')!.pid;
    assert.ok(logger.has(`spawned: 'early' with pid ${pid}`));
    assert.ok(logger.has('stopped: early (terminated by SIGTERM)'));
    assert.ok(dead(pid));
    await h.finish(engine);
  });

  test('shutdown while spawns are in flight stops every child once it exists', async () => {
    const procs = Array.from({ length: 12 }, (_, n) => program(`f_${String(n).padStart(2, '0')}`, 'sleep 30'));
    const { engine, events } = await h.engine([group('fleet', procs)], { start: false });
    const starting = engine.start();
    await engine.shutdown(); // the autostart's first batch was issued synchronously
    await starting;
    const pids = events.filter((e) => e.type === 'spawned').map((e) => e.pid);
    assert.ok(pids.length > 0);
    for (const info of engine.getAllProcessInfo()) assert.ok(['STOPPED', 'FATAL'].includes(info.statename), `${info.name} ${info.statename}`);
    await waitFor(() => pids.every(dead), { what: 'every child to be gone' });
    await engine.close();
  });

  test('a spawn the OS refuses on the pool is SPAWN_ERROR with supervisord\'s text, then retried', async () => {
    const { engine, logger } = await h.engine([single(program('nofds', 'sleep 30', { autostart: false, startsecs: 0 }))]);
    const ref = { group: 'nofds', name: 'nofds' };
    await withFreeFds(1, () => assert.rejects(engine.startProcess(ref), (err) => isFleetError(err, 'SPAWN_ERROR')));
    assert.equal(engine.getProcessInfo(ref).spawnerr, "too many open files to spawn 'nofds'");
    assert.ok(logger.has("spawnerr: too many open files to spawn 'nofds'"));
    assert.equal(engine.getProcessInfo(ref).statename, 'BACKOFF');
    await waitFor(() => engine.getProcessInfo(ref).statename === 'RUNNING', { what: 'the retry after 1 s' });
    await h.finish(engine);
  });

  test('a start without wait answers once the spawn is done: with a pid, or SPAWN_ERROR', async () => {
    const { engine } = await h.engine([single(program('nowait', 'sleep 30', { autostart: false }))]);
    const ref = { group: 'nowait', name: 'nowait' };
    await withFreeFds(1, () => assert.rejects(engine.startProcess(ref, { wait: false }), (err) => isFleetError(err, 'SPAWN_ERROR')));
    await engine.stopProcess(ref);
    await engine.startProcess(ref, { wait: false });
    const info = engine.getProcessInfo(ref);
    assert.equal(info.statename, 'STARTING');
    assert.ok(info.pid > 0);
    await h.finish(engine);
  });
});
