import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isFleetError } from '../common/errors.js';
import type { EngineEvent } from '../agent/process/events.js';
import { EngineHarness, edges, group, program, single, spawnTimes, waitFor } from './helpers/engine-harness.js';

// Stopping against real children: stopsignal, stopwaitsecs then SIGKILL, process groups,
// stop all / start all order, shutdown order, signal, add/remove group.

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

/** A script that installs `trap` and then touches a marker; `ready()` waits for the marker. */
function trapping(name: string, trap: string): { path: string; ready: () => Promise<unknown> } {
  const marker = join(h.dir.path, `${name}.ready`);
  const path = h.script(`${name}.sh`, `${trap}\ntouch ${marker}\nwhile :; do sleep 0.05; done`);
  return { path, ready: () => waitFor(() => existsSync(marker), { what: `${name} to be ready` }) };
}

/** Index of the first event matching `pred`. */
function at(events: EngineEvent[], pred: (e: EngineEvent) => boolean): number {
  const i = events.findIndex(pred);
  assert.ok(i >= 0, 'event not found');
  return i;
}
const edge = (name: string, to: string) => (e: EngineEvent) => e.type === 'transition' && e.name === name && e.to === to;

describe('stop', () => {
  test('a stop sends stopsignal, logs waiting for x to stop, and returns once STOPPED', async () => {
    const { engine, logger } = await h.engine([single(program('s', 'sleep 30', { stopsignal: 'SIGINT', startsecs: 0 }))]);
    const ref = { group: 's', name: 's' };
    const pid = engine.getProcessInfo(ref).pid;
    await engine.stopProcess(ref);
    const info = engine.getProcessInfo(ref);
    assert.equal(info.statename, 'STOPPED');
    assert.equal(info.exitstatus, -1);
    assert.equal(info.pid, 0);
    assert.match(info.description, /^[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M$/);
    assert.ok(logger.has(`killing s (pid ${pid}) with signal SIGINT`)); // DEBG
    assert.ok(logger.lines.some((l) => l.level === 'info' && l.message === 'waiting for s to stop'));
    assert.ok(logger.lines.some((l) => l.level === 'warn' && l.message === 'stopped: s (terminated by SIGINT)'));
    await assert.rejects(engine.stopProcess(ref), (e: unknown) => isFleetError(e, 'NOT_RUNNING'));
    await h.finish(engine);
  });

  test('a child that exits 0 on its stopsignal is stopped at INFO', async () => {
    const script = trapping('graceful', "trap 'exit 0' TERM");
    const { engine, logger } = await h.engine([single(program('g', script.path, { startsecs: 0 }))]);
    await script.ready();
    await engine.stopProcess({ group: 'g', name: 'g' });
    assert.ok(logger.lines.some((l) => l.level === 'info' && l.message === 'stopped: g (exit status 0)'));
    await h.finish(engine);
  });

  test('a child that ignores SIGTERM gets SIGKILL after stopwaitsecs', async () => {
    const script = trapping('stubborn', "trap '' TERM");
    const { engine, logger, events } = await h.engine([single(program('st', script.path, { startsecs: 0, stopwaitsecs: 1 }))]);
    const ref = { group: 'st', name: 'st' };
    const pid = engine.getProcessInfo(ref).pid;
    await script.ready();
    const t0 = Date.now();
    await engine.stopProcess(ref);
    const took = Date.now() - t0;
    assert.ok(took >= 1000 && took < 1500, `stopped after ${took} ms`);
    assert.ok(logger.lines.some((l) => l.level === 'warn' && l.message === `killing 'st' (${pid}) with SIGKILL`));
    assert.ok(logger.has('stopped: st (terminated by SIGKILL)'));
    assert.deepEqual(edges(events, 'st').slice(-2), ['RUNNING -> STOPPING', 'STOPPING -> STOPPED']);
    await h.finish(engine);
  });

  test('stopasgroup sends stopsignal to the grandchildren too', async () => {
    const pidfile = join(h.dir.path, 'gc-stop.pid');
    const script = h.script('parent.sh', `sleep 300 &\necho $! > ${pidfile}\nwait`);
    const { engine } = await h.engine([single(program('pg', script, { startsecs: 0, stopasgroup: true, killasgroup: true }))]);
    const grandchild = Number(await waitFor(() => existsSync(pidfile) && readFileSync(pidfile, 'utf8').trim()));
    await engine.stopProcess({ group: 'pg', name: 'pg' });
    await waitFor(() => dead(grandchild), { what: 'the grandchild to die', timeoutMs: 2000 });
    await h.finish(engine);
  });

  test('without stopasgroup the grandchild survives the stop (the control case)', async () => {
    const pidfile = join(h.dir.path, 'gc-alone.pid');
    const script = h.script('parent2.sh', `sleep 300 &\necho $! > ${pidfile}\nwait`);
    const { engine } = await h.engine([single(program('np', script, { startsecs: 0 }))]);
    const grandchild = Number(await waitFor(() => existsSync(pidfile) && readFileSync(pidfile, 'utf8').trim()));
    await engine.stopProcess({ group: 'np', name: 'np' });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(dead(grandchild), false);
    process.kill(grandchild, 'SIGKILL');
    await h.finish(engine);
  });

  test('killasgroup SIGKILLs a grandchild that ignores SIGTERM', async () => {
    const pidfile = join(h.dir.path, 'gc-kill.pid');
    const script = h.script('parent3.sh', `trap '' TERM\nsleep 300 &\necho $! > ${pidfile}\nwait`);
    const { engine, logger } = await h.engine([
      single(program('kg', script, { startsecs: 0, stopwaitsecs: 1, killasgroup: true })),
    ]);
    const grandchild = Number(await waitFor(() => existsSync(pidfile) && readFileSync(pidfile, 'utf8').trim()));
    const pid = engine.getProcessInfo({ group: 'kg', name: 'kg' }).pid;
    await engine.stopProcess({ group: 'kg', name: 'kg' });
    assert.ok(logger.has(`killing kg (pid ${pid}) process group with signal SIGKILL`));
    await waitFor(() => dead(grandchild), { what: 'the grandchild to die', timeoutMs: 2000 });
    await h.finish(engine);
  });

  test('a stop in BACKOFF goes to STOPPED at once, without a signal', async () => {
    const { engine } = await h.engine([single(program('bo', '/nonexistent/x', { startretries: 5 }))]);
    const ref = { group: 'bo', name: 'bo' };
    assert.equal(engine.getProcessInfo(ref).statename, 'BACKOFF');
    await engine.stopProcess(ref);
    assert.equal(engine.getProcessInfo(ref).statename, 'STOPPED');
    await h.finish(engine);
  });
});

describe('order of bulk operations', () => {
  const three = () => [
    single(program('a', 'sleep 30', { priority: 1, startsecs: 0 })),
    single(program('b', 'sleep 30', { priority: 2, startsecs: 0 })),
    single(program('c', 'sleep 30', { priority: 3, startsecs: 0 })),
  ];

  test('stop all stops in descending priority, each priority fully stopped before the next', async () => {
    const { engine, events } = await h.engine(three());
    const results = await engine.stopAll();
    assert.deepEqual(results.map((r) => `${r.name} ${r.description}`), ['c OK', 'b OK', 'a OK']);
    assert.ok(at(events, edge('c', 'STOPPED')) < at(events, edge('b', 'STOPPING')));
    assert.ok(at(events, edge('b', 'STOPPED')) < at(events, edge('a', 'STOPPING')));
    await h.finish(engine);
  });

  test('start all starts in ascending priority and reports each process', async () => {
    const procs = three().map((g) => ({ ...g, processes: g.processes.map((p) => ({ ...p, autostart: false })) }));
    const { engine, events } = await h.engine(procs);
    const results = await engine.startAll();
    assert.deepEqual(events.filter((e) => e.type === 'spawned').map((e) => e.name), ['a', 'b', 'c']);
    assert.deepEqual(results.map((r) => r.code), ['SUCCESS', 'SUCCESS', 'SUCCESS']);
    assert.deepEqual(await engine.startAll(), [], 'nothing left to start');
    await h.finish(engine);
  });

  test('a group start reports spawn errors per process', async () => {
    const { engine } = await h.engine([
      group('mix', [program('ok', 'sleep 30', { autostart: false, startsecs: 0 }), program('nf', '/nonexistent/y', { autostart: false })]),
    ]);
    const results = await engine.startGroup('mix');
    assert.deepEqual(
      results.map((r) => [r.name, r.code, r.description]).sort(),
      [
        ['nf', 'NO_FILE', "NO_FILE: can't find command '/nonexistent/y'"],
        ['ok', 'SUCCESS', 'OK'],
      ],
    );
    await h.finish(engine);
  });

  test('shutdown stops groups in reverse priority one at a time, gives up BACKOFF and restarts nothing', async () => {
    const stubborn = trapping('stubborn2', "trap '' TERM");
    const { engine, events, logger } = await h.engine([
      single(program('first', 'sleep 30', { priority: 0, startsecs: 0 })),
      single(program('early', 'sh -c "sleep 1; exit 1"', { priority: 1, startsecs: 0, autorestart: 'true' })),
      single(program('mid', stubborn.path, { priority: 2, startsecs: 0, stopwaitsecs: 4 })),
      single(program('late', '/nonexistent/z', { priority: 3, startretries: 100 })),
    ]);
    await stubborn.ready();
    const t0 = Date.now();
    await engine.shutdown();
    assert.ok(Date.now() - t0 >= 4000);
    assert.equal(engine.state, 'SHUTDOWN');
    assert.ok(at(events, edge('late', 'FATAL')) < at(events, edge('mid', 'STOPPING')));
    assert.ok(at(events, edge('mid', 'STOPPED')) < at(events, edge('first', 'STOPPING')));
    assert.ok(at(events, edge('early', 'EXITED')) < at(events, edge('mid', 'STOPPED')));
    assert.equal(spawnTimes(events, 'early').length, 1, 'early exited during shutdown and was not restarted');
    const reports = logger.lines.filter((l) => /^waiting for .* to die$/.test(l.message));
    assert.equal(reports[0]?.message, 'waiting for first, early, mid to die');
    assert.ok(reports.length >= 2 && reports.length <= 3, `${reports.length} reports`);
    assert.ok(reports[1]!.time - reports[0]!.time >= 2900);
    await assert.rejects(async () => engine.startProcess({ group: 'mid', name: 'mid' }), (e: unknown) => isFleetError(e, 'SHUTDOWN_STATE'));
    await engine.close();
  });
});

describe('signals and groups', () => {
  test('signal reaches the process; a stopped one is NOT_RUNNING; an unknown name is BAD_SIGNAL', async () => {
    const marker = join(h.dir.path, 'hup');
    const script = trapping('hup', `trap 'touch ${marker}' HUP`);
    const { engine } = await h.engine([single(program('sig', script.path, { startsecs: 0 })), single(program('off', 'sleep 1', { autostart: false }))]);
    await script.ready();
    engine.signalProcess({ group: 'sig', name: 'sig' }, 'SIGHUP');
    await waitFor(() => existsSync(marker), { what: 'the HUP marker' });
    assert.throws(() => engine.signalProcess({ group: 'off', name: 'off' }, 'SIGHUP'), (e: unknown) => isFleetError(e, 'NOT_RUNNING'));
    assert.throws(() => engine.signalProcess({ group: 'sig', name: 'sig' }, 'SIGNOPE' as NodeJS.Signals), (e: unknown) => isFleetError(e, 'BAD_SIGNAL'));
    assert.throws(() => engine.signalProcess({ group: 'x', name: 'x' }, 'SIGHUP'), (e: unknown) => isFleetError(e, 'BAD_NAME'));
    await h.finish(engine);
  });

  test('restart stops then starts: a new pid, and the stop results come before the start results', async () => {
    const { engine } = await h.engine([group('rs', [program('r1', 'sleep 30', { startsecs: 0 }), program('r2', 'sleep 30', { startsecs: 0 })])]);
    const before = engine.getAllProcessInfo().map((i) => i.pid);
    await engine.restartProcess({ group: 'rs', name: 'r1' });
    const { stopped, started } = await engine.restartGroup('rs');
    assert.deepEqual(stopped.map((r) => r.name).sort(), ['r1', 'r2']);
    assert.deepEqual(started.map((r) => r.code), ['SUCCESS', 'SUCCESS']);
    const after = engine.getAllProcessInfo();
    assert.ok(after.every((i, n) => i.statename === 'RUNNING' && i.pid !== before[n]));
    await h.finish(engine);
  });

  test('a group is added with autostart and removed only once stopped', async () => {
    const { engine } = await h.engine([]);
    await engine.addGroup(single(program('added', 'sleep 30', { startsecs: 0 })));
    assert.equal(engine.getProcessInfo({ group: 'added', name: 'added' }).statename, 'RUNNING');
    await assert.rejects(engine.addGroup(single(program('added', 'sleep 30'))), (e: unknown) => isFleetError(e, 'ALREADY_ADDED'));
    await assert.rejects(engine.removeGroup('added'), (e: unknown) => isFleetError(e, 'STILL_RUNNING'));
    await engine.stopGroup('added');
    await engine.removeGroup('added');
    assert.deepEqual(engine.groupNames(), []);
    await assert.rejects(engine.removeGroup('added'), (e: unknown) => isFleetError(e, 'BAD_NAME'));
    await h.finish(engine);
  });

  test('close is idempotent and makes waits in progress reject', async () => {
    const { engine } = await h.engine([single(program('cw', 'sleep 30', { autostart: false, startsecs: 5 }))]);
    const starting = assert.rejects(engine.startProcess({ group: 'cw', name: 'cw' }), (e: unknown) => isFleetError(e, 'SHUTDOWN_STATE'));
    await engine.close();
    await engine.close();
    await starting;
    assert.throws(() => engine.getProcessInfo({ group: 'nope', name: 'nope' }), (e: unknown) => isFleetError(e, 'BAD_NAME'));
    await assert.rejects(async () => engine.stopAll(), (e: unknown) => isFleetError(e, 'SHUTDOWN_STATE'));
  });
});
