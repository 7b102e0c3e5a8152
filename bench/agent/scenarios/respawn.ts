// respawn: one program with autorestart=true and startsecs=0; kill -9 its child again and again.
// Latency = the harness's kill() to the new child's own start stamp (both wall clock, µs).
import { watch, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { calibrateClock, monoMs, realNowMs } from '../clock.js';
import { prepareRunDir, respawnConfig, StampFile, type Stamp } from '../config.js';
import type { Daemon } from '../processes.js';
import { sampleCpu } from '../procfs.js';
import { waitFor, type MetricDef, type Scenario, type Values } from '../scenario.js';
import { mean, quantile } from '../stats.js';

const SAMPLE_TIMEOUT_MS = 10_000;

/** Resolves with stamp number `index` (0-based) once the stamps file has it, or null on timeout. */
function stampAt(file: StampFile, index: number, daemon: Daemon, timeoutMs: number): Promise<Stamp | null> {
  return new Promise((resolve) => {
    let done = false;
    const check = (): void => {
      if (done) return;
      const s = file.poll()[index];
      if (s) finish(s);
      else if (!daemon.alive) finish(null);
    };
    // inotify makes the harness see the stamp at once; the interval is a fallback.
    const watcher = watch(file.path, check);
    const poll = setInterval(check, 10);
    const timeout = setTimeout(() => finish(null), timeoutMs);
    function finish(v: Stamp | null): void {
      done = true;
      watcher.close();
      clearInterval(poll);
      clearTimeout(timeout);
      resolve(v);
    }
    check();
  });
}

function metrics(kills: number): MetricDef[] {
  const base = kills === 50;
  return [
    { key: 'p50_ms', label: 'respawn latency p50, ms', format: 1, agg: 'median', ratio: true, target: { op: '<=', value: 10, text: '≤ 10' }, baseline: base ? 1009 : undefined },
    { key: 'p95_ms', label: 'respawn latency p95, ms', format: 1, agg: 'median', ratio: true, target: { op: '<=', value: 30, text: '≤ 30' }, baseline: base ? 2011 : undefined },
    { key: 'max_ms', label: 'respawn latency max, ms', format: 1, agg: 'median', ratio: true, baseline: base ? 2015 : undefined },
    { key: 'min_ms', label: 'respawn latency min, ms', format: 1, agg: 'median', ratio: true, baseline: base ? 1008 : undefined },
    { key: 'mean_ms', label: 'respawn latency mean, ms', format: 1, agg: 'median', ratio: true, baseline: base ? 1190 : undefined },
    { key: 'cpu_pct', label: 'supervisor CPU during the kill loop, %', format: 2, agg: 'median', ratio: true, baseline: base ? 0.22 : undefined },
    { key: 'missed', label: `kills with no respawn within ${SAMPLE_TIMEOUT_MS / 1000} s`, format: 'int', agg: 'max', target: { op: '==', value: 0, text: '= 0' } },
  ];
}

export const respawnScenario: Scenario = {
  name: 'respawn',
  describe: (o) =>
    `respawn: one program, autorestart=true, startsecs=0; kill -9 its child ${o.kills} times, ` +
    `each ${(o.killAfterMs / 1000).toFixed(1)}-${((o.killAfterMs + 200) / 1000).toFixed(1)} s after it started`,
  metrics: (o) => metrics(o.kills),

  async run(ctx): Promise<Values> {
    const files = prepareRunDir(ctx.dir);
    writeFileSync(files.config, respawnConfig(ctx.dir));
    ctx.step('starting the daemon');
    const daemon = ctx.workspace.launch(ctx.impl.name, ctx.impl.command, ctx.impl.args(files.config), ctx.dir, files.output);
    ctx.setDaemon(daemon);
    const stampFile = new StampFile(files.stamps);
    let current = await waitFor('the first child', daemon, () => stampFile.poll()[0], {
      timeoutMs: 20_000,
      intervalMs: 20,
    });
    await sleep(1000);

    const kills = ctx.options.kills;
    ctx.step(`kill -9 loop, ${kills} rounds`);
    const latencies: number[] = [];
    let missed = 0;
    let index = 1;
    const cpu0 = sampleCpu(daemon.pid);
    const t0 = monoMs();
    for (let k = 0; k < kills; k++) {
      // Each child runs killAfterMs (1.2 s) before it is killed: a process that was up and
      // running dies, beyond a 1 s startsecs-style window (a supervisor may rate-limit restarts
      // of children that die younger). The jitter keeps kills from locking to a daemon's timer.
      await sleep(ctx.options.killAfterMs + Math.random() * 200);
      daemon.assertAlive('killing its child');
      calibrateClock();
      const killedAt = realNowMs();
      try {
        process.kill(current.pid, 'SIGKILL');
      } catch (err) {
        throw new Error(`cannot kill the child ${current.pid} (${(err as NodeJS.ErrnoException).code}): it died on its own`);
      }
      const next = await stampAt(stampFile, index, daemon, SAMPLE_TIMEOUT_MS);
      daemon.assertAlive('waiting for the respawn');
      if (next === null) {
        missed++;
        if (missed >= 3) throw new Error(`${missed} kills without a respawn within ${SAMPLE_TIMEOUT_MS / 1000} s`);
        const all = stampFile.poll();
        if (all.length <= index) throw new Error('the child was not respawned');
        index = all.length;
        current = all[index - 1] as Stamp;
        continue;
      }
      // The clocks agree to well under 1 ms; a stamp from before the kill is not a respawn.
      if (next.pid === current.pid || next.ms < killedAt - 1) {
        throw new Error(`stamp ${index} (pid ${next.pid}) does not come from a respawn after the kill of pid ${current.pid} (${(next.ms - killedAt).toFixed(1)} ms)`);
      }
      latencies.push(next.ms - killedAt);
      current = next;
      index++;
      if ((k + 1) % 10 === 0) ctx.step(`${k + 1}/${kills} kills, p50 so far ${quantile(latencies, 0.5).toFixed(1)} ms`);
    }
    const cpu1 = sampleCpu(daemon.pid);
    const wallS = (monoMs() - t0) / 1000;
    if (!cpu0 || !cpu1) throw new Error('lost /proc access to the daemon');
    const stopped = await daemon.terminate(60_000);
    if (stopped === null) throw new Error('the daemon did not exit within 60 s of SIGTERM');

    return {
      p50_ms: quantile(latencies, 0.5),
      p95_ms: quantile(latencies, 0.95),
      max_ms: Math.max(...latencies),
      min_ms: Math.min(...latencies),
      mean_ms: mean(latencies),
      cpu_pct: ((cpu1.schedNs - cpu0.schedNs) / 1e9 / wallS) * 100,
      missed,
    };
  },
};
