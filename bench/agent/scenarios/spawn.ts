// spawn: N programs through one [program:x] with numprocs=N.
//
// Time to all running = daemon exec to the last child's own start stamp. Then, after a settle
// pause, the supervisor's idle CPU and wake-ups over the idle window, its RSS, fds, threads and
// processes, and finally SIGTERM: seconds until the daemon exits, and children still alive then.
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { calibrateClock, monoMs } from '../clock.js';
import { prepareRunDir, spawnConfig, StampFile, type Stamp } from '../config.js';
import { CLK_TCK, isLive, processesMentioning, sampleCpu, sampleMemory, supervisorProcessCount, type CpuSample } from '../procfs.js';
import { waitFor, type MetricDef, type Scenario, type Values } from '../scenario.js';

/** supervisord's figures from reference/baseline-supervisord.md, section 1, by N. */
const BASELINE: Record<number, Record<string, number>> = {
  100: { first_s: 1.14, all_running_s: 1.68, cpu_to_running_s: 0.23, idle_cpu_pct: 0.058, idle_ticks_pct: 0.0, wakeups_per_s: 1.0, rss_mib: 31.1, fds: 305, threads: 1, processes: 1, shutdown_s: 1.07, leaked: 0 },
  500: { first_s: 1.18, all_running_s: 3.84, cpu_to_running_s: 0.69, idle_cpu_pct: 0.155, idle_ticks_pct: 0.1, wakeups_per_s: 1.0, rss_mib: 34.5, fds: 1505, threads: 1, processes: 1, shutdown_s: 4.09, leaked: 0 },
  1000: { first_s: 1.21, all_running_s: 6.53, cpu_to_running_s: 1.42, idle_cpu_pct: 0.31, idle_ticks_pct: 0.3, wakeups_per_s: 1.0, rss_mib: 38.9, fds: 3005, threads: 1, processes: 1, shutdown_s: 9.13, leaked: 0 },
};

function metrics(n: number, idleSecs: number): MetricDef[] {
  const b = BASELINE[n] ?? {};
  const defs: MetricDef[] = [
    { key: 'first_s', label: "time to the first child's start stamp, s", format: 2, agg: 'median', ratio: true },
    { key: 'all_running_s', label: 'time to all running (last start stamp), s', format: 2, agg: 'median', ratio: true, target: { op: '<=', value: 1.0, text: '≤ 1.0' } },
    { key: 'cpu_to_running_s', label: 'supervisor CPU, exec to all running, s', format: 2, agg: 'median', ratio: true },
    { key: 'idle_cpu_pct', label: `idle supervisor CPU over ${idleSecs} s, % (schedstat)`, format: 3, agg: 'median', ratio: true, target: { op: '<=', value: 0.05, text: '≤ 0.05' } },
    { key: 'idle_ticks_pct', label: 'idle CPU from clock ticks, %', format: 1, agg: 'median' },
    { key: 'wakeups_per_s', label: 'supervisor wake-ups while idle, per s', format: 2, agg: 'median', ratio: true, target: { op: '<=', value: 0.1, text: '≤ 0.1 (none periodic)' } },
    { key: 'rss_mib', label: 'supervisor RSS with all running, MiB', format: 1, agg: 'median', ratio: true, target: { op: '<=', value: 64, text: '≤ 64' } },
    { key: 'fds', label: 'supervisor open fds', format: 'int', agg: 'median' },
    { key: 'threads', label: 'supervisor threads', format: 'int', agg: 'median' },
    { key: 'processes', label: 'supervisor processes (children excluded)', format: 'int', agg: 'median' },
    { key: 'alive_before_stop', label: 'children alive before SIGTERM', format: 'int', agg: 'min', target: { op: '>=', value: n, text: `= ${n}` } },
    { key: 'shutdown_s', label: 'shutdown, SIGTERM until the daemon exits, s', format: 2, agg: 'median', ratio: true, target: { op: '<=', value: 1.0, text: '≤ 1.0' } },
    { key: 'leaked', label: 'children alive when the daemon has exited', format: 'int', agg: 'max', target: { op: '==', value: 0, text: '= 0' } },
  ];
  for (const d of defs) d.baseline = b[d.key];
  return defs;
}

export const spawnScenario: Scenario = {
  name: 'spawn',
  describe: (o) =>
    `spawn: ${o.n} programs via one [program:x] numprocs=${o.n}, each a bash loop that stamps and sleeps; ` +
    `idle window ${o.idleSecs} s after ${o.settleSecs} s settle`,
  metrics: (o) => metrics(o.n, o.idleSecs),

  async run(ctx): Promise<Values> {
    const { n, idleSecs, settleSecs } = ctx.options;
    const files = prepareRunDir(ctx.dir);
    writeFileSync(files.config, spawnConfig(ctx.dir, n));

    calibrateClock();
    ctx.step(`starting the daemon with ${n} programs`);
    const daemon = ctx.workspace.launch(ctx.impl.name, ctx.impl.command, ctx.impl.args(files.config), ctx.dir, files.output);
    ctx.setDaemon(daemon);

    // The first stamp of each process number is its start (a later one would be a restart).
    const firstByNum = new Map<number, Stamp>();
    const stampFile = new StampFile(files.stamps);
    let cpuAtAll: CpuSample | null = null;
    await waitFor(
      `all ${n} children to write their start stamps`,
      daemon,
      () => {
        for (const s of stampFile.poll()) if (!firstByNum.has(s.num)) firstByNum.set(s.num, s);
        if (firstByNum.size < n) return undefined;
        cpuAtAll = sampleCpu(daemon.pid);
        return true;
      },
      { timeoutMs: 60_000 + n * 60, intervalMs: 20, describe: () => `${firstByNum.size} of ${n} started` },
    );
    const stamps = [...firstByNum.values()];
    const firstMs = Math.min(...stamps.map((s) => s.ms));
    const lastMs = Math.max(...stamps.map((s) => s.ms));
    const allRunningS = (lastMs - daemon.startedAtMs) / 1000;
    ctx.step(`all ${n} running after ${allRunningS.toFixed(2)} s; settling ${settleSecs} s, then ${idleSecs} s idle window`);

    await sleep(settleSecs * 1000);
    daemon.assertAlive('settling');
    const a = sampleCpu(daemon.pid);
    const ta = monoMs();
    await sleep(idleSecs * 1000);
    const b = sampleCpu(daemon.pid);
    const tb = monoMs();
    daemon.assertAlive('idle');
    if (!a || !b || !cpuAtAll) throw new Error('lost /proc access to the daemon');
    const wallS = (tb - ta) / 1000;
    const mem = sampleMemory(daemon.pid);
    const childPids = new Set(stamps.map((s) => s.pid));
    const processes = supervisorProcessCount(daemon.pid, childPids);
    const aliveBeforeStop = stamps.filter((s) => isLive(s.pid)).length;

    ctx.step('SIGTERM: timing the shutdown');
    const shutdownS = await daemon.terminate(120_000);
    if (shutdownS === null) throw new Error('the daemon did not exit within 120 s of SIGTERM (killed)');
    const leaked = processesMentioning(ctx.dir).length;
    ctx.step(`exited after ${shutdownS.toFixed(2)} s; ${leaked} children left alive`);

    return {
      first_s: (firstMs - daemon.startedAtMs) / 1000,
      all_running_s: allRunningS,
      cpu_to_running_s: (cpuAtAll as CpuSample).schedNs / 1e9,
      idle_cpu_pct: ((b.schedNs - a.schedNs) / 1e9 / wallS) * 100,
      idle_ticks_pct: ((b.ticks - a.ticks) / CLK_TCK / wallS) * 100,
      wakeups_per_s: (b.voluntary - a.voluntary) / wallS,
      rss_mib: (mem?.rssKiB ?? Number.NaN) / 1024,
      fds: mem?.fds ?? Number.NaN,
      threads: mem?.threads ?? Number.NaN,
      processes,
      alive_before_stop: aliveBeforeStop,
      shutdown_s: shutdownS,
      leaked,
    };
  },
};
