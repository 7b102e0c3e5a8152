import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isFleetError } from '../common/errors.js';
import { EngineHarness, edges, group, program, single, spawnTimes, waitFor } from './helpers/engine-harness.js';

// Startup semantics against real children: startsecs, BACKOFF timing, FATAL, spawn errors,
// numprocs, autostart order and the exitcodes x autorestart matrix (reference sections 2.1-2.4).

const h = new EngineHarness();
after(() => h.cleanup());

const TOO_QUICK = 'Exited too quickly (process log may have details)';

describe('startsecs', () => {
  test('a process up for more than startsecs becomes RUNNING; autostart does not wait for it', async () => {
    const { engine, logger, events } = await h.engine([single(program('sleeper', 'sleep 30'))]);
    assert.equal(engine.getProcessInfo({ group: 'sleeper', name: 'sleeper' }).statename, 'STARTING');
    await waitFor(() => engine.getProcessInfo({ group: 'sleeper', name: 'sleeper' }).statename === 'RUNNING', { what: 'RUNNING' });
    const info = engine.getProcessInfo({ group: 'sleeper', name: 'sleeper' });
    const starting = events.find((e) => e.type === 'transition' && e.to === 'STARTING')!;
    const running = events.find((e) => e.type === 'transition' && e.to === 'RUNNING')!;
    // Event times are read when each event is emitted, a few ms after the machine's own clock
    // reading; the strict `> startsecs` rule itself is pinned by the pure table tests.
    assert.ok(running.time - starting.time >= 990, `RUNNING after ${running.time - starting.time} ms`);
    assert.match(info.description, new RegExp(`^pid ${info.pid}, uptime 0:00:0[0-9]$`));
    assert.ok(logger.has(`spawned: 'sleeper' with pid ${info.pid}`));
    assert.ok(logger.has('success: sleeper entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)'));
    await h.finish(engine);
  });

  test('startProcess waits for RUNNING, then a second start is ALREADY_STARTED', async () => {
    const { engine } = await h.engine([single(program('w', 'sleep 30', { autostart: false }))]);
    const ref = { group: 'w', name: 'w' };
    assert.equal(engine.getProcessInfo(ref).description, 'Not started');
    const t0 = Date.now();
    await engine.startProcess(ref);
    assert.ok(Date.now() - t0 >= 1000);
    assert.equal(engine.getProcessInfo(ref).statename, 'RUNNING');
    await assert.rejects(engine.startProcess(ref), (e: unknown) => isFleetError(e, 'ALREADY_STARTED') && e.message === 'w');
    await h.finish(engine);
  });

  test('a start whose process is stopped before startsecs is an ABNORMAL_TERMINATION', async () => {
    const { engine } = await h.engine([single(program('ab', 'sleep 30', { autostart: false, startsecs: 5 }))]);
    const ref = { group: 'ab', name: 'ab' };
    const starting = assert.rejects(engine.startProcess(ref), (e: unknown) => isFleetError(e, 'ABNORMAL_TERMINATION') && e.message === 'ab');
    await engine.stopProcess(ref);
    await starting;
    await h.finish(engine);
  });

  test('a command that exits at once is too quick: SPAWN_ERROR, BACKOFF, then FATAL', async () => {
    const { engine, logger } = await h.engine([single(program('quick', 'sh -c "exit 1"', { autostart: false, startretries: 0 }))]);
    const ref = { group: 'quick', name: 'quick' };
    await assert.rejects(engine.startProcess(ref), (e: unknown) => isFleetError(e, 'SPAWN_ERROR') && e.faultString === 'SPAWN_ERROR: quick');
    await waitFor(() => engine.getProcessInfo(ref).statename === 'FATAL', { what: 'FATAL' });
    const info = engine.getProcessInfo(ref);
    assert.equal(info.spawnerr, TOO_QUICK);
    assert.equal(info.description, TOO_QUICK);
    assert.ok(logger.has('exited: quick (exit status 1; not expected)'));
    assert.ok(logger.has('gave up: quick entered FATAL state, too many start retries too quickly'));
    await h.finish(engine);
  });

  test('backoff: 1 + startretries spawns, 1 s, 2 s, 3 s apart, then FATAL', async () => {
    const { engine, events, logger } = await h.engine([single(program('flaky', 'sh -c "exit 3"', { startretries: 3 }))]);
    const ref = { group: 'flaky', name: 'flaky' };
    await waitFor(() => engine.getProcessInfo(ref).statename === 'FATAL', { what: 'FATAL', timeoutMs: 12_000 });
    const times = spawnTimes(events, 'flaky');
    assert.equal(times.length, 4);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // Each delay runs from the exit (a few ms after the spawn) into BACKOFF.
    gaps.forEach((gap, i) => assert.ok(gap >= (i + 1) * 1000 && gap < (i + 1) * 1000 + 400, `gap ${i + 1} was ${gap} ms`));
    assert.deepEqual(edges(events, 'flaky'), [
      ...Array(4).fill(['STOPPED -> STARTING', 'STARTING -> BACKOFF']).flat().map((e, i) => (i > 0 && e === 'STOPPED -> STARTING' ? 'BACKOFF -> STARTING' : e)),
      'BACKOFF -> FATAL',
    ]);
    assert.equal(logger.messages('warn').filter((m) => m === 'exited: flaky (exit status 3; not expected)').length, 4);
    await h.finish(engine);
  });

  test('with startsecs=0 a command that exits at once restarts once a second, forever, never BACKOFF or FATAL', async () => {
    const { engine, events } = await h.engine([single(program('loop', 'sh -c "exit 1"', { startsecs: 0 }))]);
    await waitFor(() => spawnTimes(events, 'loop').length >= 3, { what: '3 spawns', timeoutMs: 5000 });
    const times = spawnTimes(events, 'loop');
    for (let i = 1; i < times.length; i++) {
      const gap = times[i]! - times[i - 1]!;
      assert.ok(gap >= 990 && gap < 1500, `spawns ${i - 1} and ${i} are ${gap} ms apart, not about 1 s`);
    }
    const seen = new Set(edges(events, 'loop'));
    assert.deepEqual([...seen].sort(), ['EXITED -> STARTING', 'RUNNING -> EXITED', 'STARTING -> RUNNING', 'STOPPED -> STARTING']);
    await engine.stopProcess({ group: 'loop', name: 'loop' });
    assert.equal(engine.getProcessInfo({ group: 'loop', name: 'loop' }).statename, 'STOPPED');
    await h.finish(engine);
  });
});

describe('spawn errors', () => {
  test('a missing command goes BACKOFF -> FATAL without a child, and start answers NO_FILE', async () => {
    const { engine, events, logger } = await h.engine([single(program('nf', '/nonexistent/foo', { startretries: 1 }))]);
    const ref = { group: 'nf', name: 'nf' };
    await waitFor(() => engine.getProcessInfo(ref).statename === 'FATAL', { what: 'FATAL' });
    assert.equal(spawnTimes(events, 'nf').length, 0);
    assert.equal(engine.getProcessInfo(ref).description, "can't find command '/nonexistent/foo'");
    assert.equal(logger.messages('info').filter((m) => m === "spawnerr: can't find command '/nonexistent/foo'").length, 2);
    await assert.rejects(
      engine.startProcess(ref),
      (e: unknown) => isFleetError(e, 'NO_FILE') && e.faultString === "NO_FILE: can't find command '/nonexistent/foo'",
    );
    await h.finish(engine);
  });

  test('a file that is not executable, or a directory, answers NOT_EXECUTABLE', async () => {
    const plain = join(h.dir.path, 'not-exec');
    writeFileSync(plain, '#!/bin/sh\n');
    chmodSync(plain, 0o644);
    const adir = join(h.dir.path, 'a-dir');
    mkdirSync(adir);
    const { engine } = await h.engine([
      single(program('ne', plain, { autostart: false })),
      single(program('dir', adir, { autostart: false })),
    ]);
    await assert.rejects(
      engine.startProcess({ group: 'ne', name: 'ne' }),
      (e: unknown) => isFleetError(e, 'NOT_EXECUTABLE') && e.message === `command at '${plain}' is not executable`,
    );
    await assert.rejects(
      engine.startProcess({ group: 'dir', name: 'dir' }),
      (e: unknown) => isFleetError(e, 'NOT_EXECUTABLE') && e.message === `command at '${adir}' is a directory`,
    );
    assert.equal(engine.getProcessInfo({ group: 'ne', name: 'ne' }).statename, 'STOPPED');
    await h.finish(engine);
  });

  test('an unparseable command is a spawn error', async () => {
    const { engine } = await h.engine([single(program('bad', 'sleep "30', { startretries: 0 }))]);
    const ref = { group: 'bad', name: 'bad' };
    await waitFor(() => engine.getProcessInfo(ref).statename === 'FATAL', { what: 'FATAL' });
    assert.equal(engine.getProcessInfo(ref).spawnerr, `can't parse command 'sleep "30': No closing quotation`);
    await h.finish(engine);
  });
});

describe('groups and order', () => {
  test('numprocs processes each run their own child', async () => {
    const procs = [0, 1, 2].map((n) => program(`w_${n}`, 'sleep 30', { processNum: n, programName: 'w', startsecs: 0 }));
    const { engine } = await h.engine([group('w', procs)]);
    const infos = () => engine.getAllProcessInfo();
    await waitFor(() => infos().every((i) => i.statename === 'RUNNING'), { what: 'all RUNNING' });
    assert.deepEqual(infos().map((i) => `${i.group}:${i.name}`), ['w:w_0', 'w:w_1', 'w:w_2']);
    assert.equal(new Set(infos().map((i) => i.pid)).size, 3);
    await h.finish(engine);
  });

  test('autostart spawns by (group priority, name), then (process priority, name), without waiting for RUNNING', async () => {
    const { engine, events } = await h.engine([
      single(program('b', 'sleep 30', { priority: 5 })),
      single(program('a', 'sleep 30', { priority: 5 })),
      group('g', [program('p2', 'sleep 30', { priority: 2 }), program('p1', 'sleep 30', { priority: 1 }), program('p0', 'sleep 30', { priority: 1 })], 3),
      single(program('c', 'sleep 30', { priority: 1 })),
    ]);
    const order = events.filter((e) => e.type === 'spawned').map((e) => e.name);
    assert.deepEqual(order, ['c', 'p0', 'p1', 'p2', 'a', 'b']);
    const firstRunning = events.findIndex((e) => e.type === 'transition' && e.to === 'RUNNING');
    const lastSpawn = events.map((e) => e.type).lastIndexOf('spawned');
    assert.ok(firstRunning === -1 || firstRunning > lastSpawn, 'every spawn precedes the first RUNNING');
    await h.finish(engine);
  });
});

describe('exitcodes and autorestart', () => {
  test('only unexpected exits restart under unexpected, every exit under true, none under false', async () => {
    const cases = [
      { autorestart: 'false', code: 0, restarts: false, spawnerr: '' },
      { autorestart: 'false', code: 2, restarts: false, spawnerr: 'Bad exit code 2' },
      { autorestart: 'unexpected', code: 0, restarts: false, spawnerr: '' },
      { autorestart: 'unexpected', code: 2, restarts: true },
      { autorestart: 'unexpected', code: 3, restarts: false, spawnerr: '', exitcodes: [0, 3] },
      { autorestart: 'true', code: 0, restarts: true },
      { autorestart: 'true', code: 2, restarts: true },
    ] as const;
    const procs = cases.map((c, i) =>
      program(`m${i}`, `sh -c "sleep 0.3; exit ${c.code}"`, {
        startsecs: 0,
        autorestart: c.autorestart,
        exitcodes: 'exitcodes' in c ? [...c.exitcodes] : [0],
      }),
    );
    const { engine, events, logger } = await h.engine(procs.map(single));
    const exits = (name: string) => events.filter((e) => e.type === 'exited' && e.name === name).length;
    await waitFor(() => procs.every((p) => exits(p.name) >= 1), { what: 'every first exit' });
    await waitFor(() => cases.every((c, i) => !c.restarts || spawnTimes(events, `m${i}`).length >= 2), { what: 'restarts' });
    await new Promise((r) => setTimeout(r, 150)); // a restart is immediate; 150 ms more shows there is none
    cases.forEach((c, i) => {
      const info = engine.getProcessInfo({ group: `m${i}`, name: `m${i}` });
      const restarted = spawnTimes(events, `m${i}`).length >= 2;
      assert.equal(restarted, c.restarts, `m${i} ${JSON.stringify(c)}`);
      if (!c.restarts) {
        assert.equal(info.statename, 'EXITED');
        assert.equal(info.exitstatus, c.code);
        assert.equal(info.spawnerr, c.spawnerr);
      }
    });
    assert.ok(logger.has('exited: m0 (exit status 0; expected)'));
    assert.ok(logger.lines.some((l) => l.level === 'warn' && l.message === 'exited: m1 (exit status 2; not expected)'));
    assert.ok(logger.has('exited: m4 (exit status 3; expected)'));
    await h.finish(engine);
  });
});
