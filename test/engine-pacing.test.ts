import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock } from '../agent/process/clock.js';
import { EngineHarness, group, program, single, waitFor } from './helpers/engine-harness.js';

// The event-driven promises: an idle engine owns no timer, and a long run of spawns yields to the
// event loop between batches.

const h = new EngineHarness();
after(() => h.cleanup());

/** The system clock, counting the timers that are pending. */
function countingClock(): Clock & { pending: Set<unknown> } {
  const pending = new Set<unknown>();
  return {
    pending,
    now: () => Date.now(),
    setTimer(fn, ms) {
      const handle: NodeJS.Timeout = setTimeout(() => {
        pending.delete(handle);
        fn();
      }, ms);
      pending.add(handle);
      return handle;
    },
    clearTimer(handle) {
      pending.delete(handle);
      clearTimeout(handle as NodeJS.Timeout);
    },
  };
}

test('an engine whose processes are all RUNNING or stopped owns no timer at all', async () => {
  const clock = countingClock();
  const procs = [0, 1, 2, 3].map((n) => program(`idle_${n}`, 'sleep 30', { startsecs: 1 }));
  const { engine } = await h.engine([group('idle', procs), single(program('gone', 'sh -c "exit 0"', { startsecs: 0 }))], { clock });
  assert.ok(clock.pending.size >= 4, 'startsecs timers while STARTING');
  await waitFor(() => engine.getAllProcessInfo().every((i) => i.statename === 'RUNNING' || i.statename === 'EXITED'), {
    what: 'RUNNING and EXITED',
  });
  assert.equal(clock.pending.size, 0);
  await engine.shutdown();
  assert.equal(clock.pending.size, 0, 'the shutdown report timer is gone with the shutdown');
  await engine.close();
});

test('a long run of spawns yields to the event loop between batches', async () => {
  const procs = Array.from({ length: 60 }, (_, n) => program(`many_${String(n).padStart(2, '0')}`, 'sleep 30', { startsecs: 0 }));
  const { engine, events } = await h.engine([group('many', procs)], { start: false, spawnBatchSize: 10 });
  // Spawns complete off the JS thread, so the count at each turn is of spawns issued (STARTING).
  const issuedWhenYielded: number[] = [];
  const issued = (): number => events.filter((e) => e.type === 'transition' && e.to === 'STARTING').length;
  const spawned = (): number => events.filter((e) => e.type === 'spawned').length;
  const watch = (): void => {
    issuedWhenYielded.push(issued());
    if (issued() < procs.length) setImmediate(watch);
  };
  setImmediate(watch);
  await engine.start();
  assert.equal(spawned(), 60, 'start() resolves once every spawn has completed');
  assert.ok(issuedWhenYielded.length >= 5, `the loop turned ${issuedWhenYielded.length} times during the start`);
  assert.equal(issuedWhenYielded[0], 10, 'the first turn came after the first batch');
  await h.finish(engine);
});
