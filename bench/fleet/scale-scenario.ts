// The scale scenario: N simulated hosts x M processes against one fleet-controller with its
// SQLite database in the bench's temp dir. In order: every host connects (jittered), then
// `fleetctl status -A` is timed (and the ListProcesses call from a warm client beside it),
// then fleet-wide restarts are timed to the last result, then every host floods transitions as
// fast as acks allow, and the database is read to check that every numbered event is stored
// once. The controller's memory is read from /proc throughout (VmHWM is its peak).
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Workspace } from '../agent/processes.js';
import { cpuSeconds, memoryMiB, threadCpuSeconds, type ThreadCpu, startControllerDaemon, type RunningControllerDaemon, type SecureAccess } from './controller-daemon.js';
import { FleetClient, type ControlOutcome } from './fleet-client.js';
import type { ScaleOptions } from './options.js';
import { figure, stat, type Figure, type ScenarioReport } from './report.js';
import { wallMs } from './sim-host.js';
import { SimFleet } from './sim-fleet.js';
import { checkLoss, countStoredEvents } from './stored-events.js';
import { fleetctlStatusAll, runningLines } from './timed-command.js';

export const TARGETS = {
  /** Issue 5: 1,000 agents connecting with mutual TLS at once (jittered), all connected. */
  tlsConnectS: 30,
  statusP50Ms: 300,
  restartMs: 1000,
  ingestPerSecond: 20_000,
  lost: 0,
  rssMiB: 500,
} as const;

function hostName(i: number): string {
  return `sim-${String(i + 1).padStart(4, '0')}`;
}

/** Polls the controller until it lists every process of every host as RUNNING. */
export async function waitForListing(client: FleetClient, ctl: RunningControllerDaemon, hosts: number, processes: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing yet';
  for (;;) {
    ctl.daemon.assertAlive('waiting for the hosts to show up');
    try {
      const c = await client.counts();
      if (c.hosts === hosts && c.processes === hosts * processes && c.running === hosts * processes) return;
      last = `${c.hosts} hosts, ${c.processes} processes, ${c.running} RUNNING`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`the controller does not list ${hosts} hosts x ${processes} processes RUNNING after ${timeoutMs / 1000} s (last: ${last})`);
    await sleep(250);
  }
}

/**
 * Whether `fleetctl --controller ADDR --insecure status -A` works here (cluster mode may not be
 * built yet): null when it lists every process RUNNING, else why not.
 */
export async function fleetctlProblem(address: string, expected: number, secure: SecureAccess | null = null): Promise<string | null> {
  try {
    const r = await fleetctlStatusAll(address, secure);
    const running = runningLines(r.stdout);
    if (r.code === 0 && running === expected) return null;
    const first = (r.stderr || r.stdout).trim().split('\n')[0] ?? '';
    return `fleetctl status -A exited ${r.code} with ${running} of ${expected} RUNNING lines${first ? ` (${first.slice(0, 160)})` : ''}`;
  } catch (err) {
    return (err as Error).message;
  }
}

interface Phase {
  ctl: RunningControllerDaemon;
  sims: SimFleet;
  client: FleetClient;
  o: ScaleOptions;
  /** Processes in the fleet. */
  total: number;
  add(f: Figure): void;
  report: ScenarioReport;
  step(m: string): void;
}

/** `fleetctl status -A` as a script runs it, and the ListProcesses call alone from a warm client. */
async function statusPhase({ ctl, client, o, total, add, report, step }: Phase): Promise<void> {
  const problem = await fleetctlProblem(ctl.address, total, ctl.secure);
  if (problem) report.notes.push(`fleetctl cluster mode not usable, so the status row times the ListProcesses call from a warm grpc-js client instead: ${problem}`);
  const cli: number[] = [];
  const rpc: number[] = [];
  for (let rep = 1; rep <= o.statusReps; rep++) {
    if (!problem) {
      const r = await fleetctlStatusAll(ctl.address, ctl.secure);
      const running = runningLines(r.stdout);
      if (r.code !== 0 || running !== total) throw new Error(`fleetctl status -A exited ${r.code} with ${running} of ${total} RUNNING lines: ${r.stderr.slice(0, 300)}`);
      cli.push(r.ms);
    }
    const t = performance.now();
    const listing = await client.listAll();
    rpc.push(performance.now() - t);
    if (listing.processes.length !== total) throw new Error(`ListProcesses returned ${listing.processes.length} of ${total} processes`);
  }
  step(`status -A x${o.statusReps}: fleetctl p50 ${problem ? '-' : stat(cli, 'p50')!.value.toFixed(0)} ms, ListProcesses p50 ${stat(rpc, 'p50')!.value.toFixed(0)} ms`);
  const target = { op: '<=' as const, value: TARGETS.statusP50Ms, text: `≤ ${TARGETS.statusP50Ms} ms` };
  if (!problem) add(figure({ key: 'status_ms', label: `fleetctl status -A (${total.toLocaleString('en-US')} lines), wall ms p50`, fleet: stat(cli, 'p50'), target }));
  add(figure({ key: 'list_processes_ms', label: 'ListProcesses, all hosts, from a warm client, ms p50', fleet: stat(rpc, 'p50'), target: problem ? target : undefined }));
}

/**
 * Fleet-wide commands. First signal HUP to every process: the command and one result per
 * process, nothing else (the controller's fan-out alone). Then restarts: the Control call to
 * its last result, when the command reached the last host, and until every transition it caused
 * is stored. A rep with failures is reported and left out of the figures.
 */
async function commandPhase({ ctl, sims, client, o, total, add, report, step }: Phase): Promise<void> {
  const signal: number[] = [];
  const restart: number[] = [];
  // CPU-seconds per restart, whole processes (the controller's writer thread included): unlike
  // wall times, they hold on a machine busy with something else.
  const restartCpu: number[] = [];
  const restartThreads: ThreadCpu[] = [];
  const restartSimCpu: number[] = [];
  const simCpu = (): number => sims.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const reached: number[] = [];
  const stored: number[] = [];
  let stall = 0;
  await sims.stats(); // starts the stall window
  const failed = (what: string, rep: number, out: ControlOutcome): boolean => {
    if (out.succeeded === total && out.hostErrors === 0) return false;
    report.errors.push(`${what} ${rep}: ${out.succeeded} of ${total} succeeded, ${out.hostErrors} host errors, after ${out.ms.toFixed(0)} ms; first failures:\n${out.failures.join('\n')}`);
    step(`${what} ${rep}/${o.restartReps}: FAILED: ${out.succeeded} of ${total} succeeded, ${out.hostErrors} host errors`);
    return true;
  };
  for (let rep = 1; rep <= o.restartReps; rep++) {
    const out = await client.control('signal', { signal: 'HUP' });
    stall = Math.max(stall, (await sims.stats()).maxLoopDelayMs);
    if (failed('signal HUP', rep, out)) continue;
    signal.push(out.ms);
    step(`signal HUP ${rep}/${o.restartReps}: ${out.results} results in ${out.ms.toFixed(0)} ms`);
  }
  for (let rep = 1; rep <= o.restartReps; rep++) {
    const t = wallMs();
    const [cpu0, simCpu0] = [threadCpuSeconds(ctl.daemon.pid), simCpu()];
    const out = await client.control('restart');
    const settled = await sims.settle(300_000);
    const [cpu1, simCpu1] = [threadCpuSeconds(ctl.daemon.pid), simCpu()];
    const stats = await sims.stats();
    stall = Math.max(stall, stats.maxLoopDelayMs);
    if (failed('restart', rep, out)) continue;
    const lastCommand = Math.max(...stats.hosts.map((h) => h.lastCommandAt));
    restart.push(out.ms);
    restartThreads.push({ main: cpu1.main - cpu0.main, niced: cpu1.niced - cpu0.niced, helpers: cpu1.helpers - cpu0.helpers });
    restartCpu.push(cpu1.main + cpu1.niced + cpu1.helpers - (cpu0.main + cpu0.niced + cpu0.helpers));
    restartSimCpu.push(simCpu1 - simCpu0);
    reached.push(lastCommand - t);
    stored.push(settled.doneAt - t);
    step(
      `restart ${rep}/${o.restartReps}: the command reached every host after ${(lastCommand - t).toFixed(0)} ms, ` +
        `${out.results} results in ${out.ms.toFixed(0)} ms, its transitions stored after ${(settled.doneAt - t).toFixed(0)} ms`,
    );
  }
  const n = total.toLocaleString('en-US');
  add(figure({ key: 'signal_ms', label: `signal HUP to all on ${o.hosts} hosts: Control call to last of ${n} results, ms`, fleet: stat(signal, 'median') }));
  add(
    figure({
      key: 'restart_ms',
      label: `restart all on ${o.hosts} hosts: Control call to last of ${n} results, ms`,
      fleet: stat(restart, 'median'),
      target: { op: '<=', value: TARGETS.restartMs, text: `≤ ${TARGETS.restartMs} ms` },
    }),
  );
  add(figure({ key: 'restart_reached_ms', label: '  ... until the command reached the last host, ms', fleet: stat(reached, 'median') }));
  add(figure({ key: 'restart_stored_ms', label: `  ... until its ${(total * 5).toLocaleString('en-US')} events are stored and acked, ms`, fleet: stat(stored, 'median') }));
  add(figure({ key: 'restart_cpu_s', label: '  ... controller CPU per restart (until stored), s', digits: 2, fleet: stat(restartCpu, 'median') }));
  const threads = (kind: keyof ThreadCpu): number[] => restartThreads.map((t) => t[kind]);
  add(figure({ key: 'restart_cpu_main_s', label: '      main thread (the event loop), s', digits: 2, fleet: stat(threads('main'), 'median') }));
  add(figure({ key: 'restart_cpu_writer_s', label: '      store writer thread (nice 10), s', digits: 2, fleet: stat(threads('niced'), 'median') }));
  add(figure({ key: 'restart_cpu_helpers_s', label: "      V8's helper threads (concurrent GC) and libuv's pool, s", digits: 2, fleet: stat(threads('helpers'), 'median') }));
  add(figure({ key: 'restart_sim_cpu_s', label: "  ... the simulators' CPU per restart (same 2 cores), s", digits: 2, fleet: stat(restartSimCpu, 'median') }));
  add(figure({ key: 'command_sim_stall_ms', label: "  ... the simulators' longest event-loop stall meanwhile, ms", fleet: stat([stall], 'once') }));
}

/** Every host floods transitions as fast as the controller's acks let it; then the database must hold every numbered event once. */
async function ingestPhase({ ctl, sims, o, add, report, step }: Phase): Promise<void> {
  await sleep(500);
  const simCpu = (): number => sims.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const cpu0 = cpuSeconds(ctl.daemon.pid);
  const simCpu0 = simCpu();
  step(`flood: ${o.hosts} hosts x ${o.floodPerHost} transitions, window ${o.window}, batch ${o.batch}`);
  await sims.stats(); // starts the stall window
  const flood = await sims.flood(o.floodPerHost, 900_000);
  const seconds = (flood.doneAt - flood.startedAt) / 1000;
  const cpu = cpuSeconds(ctl.daemon.pid) - cpu0;
  const simulatorsCpu = simCpu() - simCpu0;
  step(`flood: ${flood.events} transitions acked in ${seconds.toFixed(2)} s = ${(flood.events / seconds).toFixed(0)}/s; controller CPU ${cpu.toFixed(1)} s`);
  add(
    figure({
      key: 'ingest_per_s',
      label: `ingest: ${flood.events.toLocaleString('en-US')} transitions from ${o.hosts} hosts, stored and acked per s`,
      fleet: stat([flood.events / seconds], 'once'),
      target: { op: '>=', value: TARGETS.ingestPerSecond, text: `≥ ${TARGETS.ingestPerSecond.toLocaleString('en-US')}/s` },
    }),
  );
  add(figure({ key: 'ingest_cpu_pct', label: '  ... controller CPU during the flood, % of one core', fleet: stat([(100 * cpu) / seconds], 'once') }));
  add(figure({ key: 'ingest_sim_cpu_pct', label: "  ... the simulators' CPU meanwhile (same 2 cores), % of one core", fleet: stat([(100 * simulatorsCpu) / seconds], 'once') }));

  const { hosts, maxLoopDelayMs } = await sims.stats();
  add(figure({ key: 'ingest_sim_stall_ms', label: "  ... the simulators' longest event-loop stall meanwhile, ms", fleet: stat([maxLoopDelayMs], 'once') }));
  const unacked = hosts.filter((h) => h.acked !== h.seq);
  if (unacked.length > 0) throw new Error(`${unacked.length} hosts have unacked events, e.g. ${JSON.stringify(unacked[0])}`);
  const check = checkLoss(new Map(hosts.map((h) => [h.name, h.seq])), countStoredEvents(ctl.databasePath));
  step(`database: ${check.stored} rows for ${check.numbered} numbered events; lost ${check.lost}, doubled ${check.doubled}`);
  add(
    figure({
      key: 'lost',
      label: `events lost (numbered ${check.numbered.toLocaleString('en-US')}, rows in SQLite ${check.stored.toLocaleString('en-US')})`,
      fleet: stat([check.lost], 'once'),
      target: { op: '==', value: TARGETS.lost, text: '= 0' },
    }),
  );
  add(figure({ key: 'doubled', label: 'events stored twice', fleet: stat([check.doubled], 'once'), target: { op: '==', value: 0, text: '= 0' } }));
  if (check.problems.length > 0) report.errors.push(`hosts whose rows do not match their seqs:\n${check.problems.join('\n')}`);
}

/** Runs one phase; its failure is reported and the next phase still runs. */
async function phase(p: Phase, name: string, run: (p: Phase) => Promise<void>): Promise<void> {
  try {
    await run(p);
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    p.report.errors.push(`${name}: ${text}`);
    p.step(`${name} FAILED: ${text.split('\n')[0]}`);
  }
}

/** Joins running at once in each simulator during enrollment. */
const ENROLL_CONCURRENCY = 8;

/**
 * `secure`: the controller in secure mode; every host enrolls first (the agents' own join code)
 * and its stream is mutual TLS; the harness's calls and fleetctl go over TLS with a token.
 */
export async function runScaleScenario(ws: Workspace, o: ScaleOptions, step: (m: string) => void, secure = false): Promise<ScenarioReport> {
  const total = o.hosts * o.processes;
  const report: ScenarioReport = {
    name: secure ? 'scale-tls' : 'scale',
    title:
      `${o.hosts.toLocaleString('en-US')} simulated hosts x ${o.processes} processes (${o.simulators} simulator processes, one grpc-js channel and Connect stream per host, SQLite on disk)` +
      (secure ? ', secure mode: mutual TLS for every host, TLS and a token for the client' : ''),
    fleetLabel: 'fleet-controller',
    peerLabel: null,
    figures: [],
    notes: [],
    errors: [],
  };
  const add = (f: Figure): void => void report.figures.push(f);
  const dir = join(ws.root, secure ? 'scale-tls' : 'scale');
  let ctl: RunningControllerDaemon | null = null;
  let sims: SimFleet | null = null;
  let client: FleetClient | null = null;
  try {
    const nodeArgs = o.cpuProfDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`];
    ctl = await startControllerDaemon(ws, dir, '5s', secure, nodeArgs);
    step(`controller up at ${ctl.address} (pid ${ctl.daemon.pid}${secure ? ', secure mode' : ''}); forking ${o.simulators} simulators for ${o.hosts} hosts`);
    sims = SimFleet.start(o.simulators, dir, dir, nodeArgs);
    client = new FleetClient(ctl.address, ctl.secure);
    const names = Array.from({ length: o.hosts }, (_, i) => hostName(i));
    const stateRoot = join(dir, 'state');
    if (ctl.secure) {
      const { fingerprint, joinToken } = ctl.secure;
      const enrolled = await sims.enroll({ address: ctl.address, fingerprint, joinToken, hosts: names, stateRoot, concurrency: ENROLL_CONCURRENCY }, 600_000);
      const seconds = (enrolled.doneAt - enrolled.startedAt) / 1000;
      step(`all ${enrolled.enrolled} hosts enrolled in ${seconds.toFixed(2)} s`);
      add(
        figure({
          key: 'enroll_s',
          label: `every host enrolled (CA checked by fingerprint, key, CSR, Join; ${o.simulators}x${ENROLL_CONCURRENCY} at a time), s`,
          digits: 2,
          fleet: stat([seconds], 'once'),
        }),
      );
    }

    const t0 = wallMs();
    const up = await sims.connect(
      {
        address: ctl.address,
        stateRoot: ctl.secure ? stateRoot : undefined,
        hosts: names,
        processes: o.processes,
        labels: { bench: 'fleet' },
        jitterMs: o.jitterMs,
        window: o.window,
        batch: o.batch,
      },
      120_000,
    );
    await waitForListing(client, ctl, o.hosts, o.processes, 120_000);
    const listed = wallMs();
    step(`all ${o.hosts} hosts acked in ${((up.lastUpAt - t0) / 1000).toFixed(2)} s, all listed RUNNING after ${((listed - t0) / 1000).toFixed(2)} s`);
    add(
      figure({
        key: 'connect_s',
        label: `every host connected${secure ? ' (mutual TLS)' : ''} and listed, s (dials spread over ${o.jitterMs} ms)`,
        digits: 2,
        fleet: stat([(listed - t0) / 1000], 'once'),
        target: secure ? { op: '<=', value: TARGETS.tlsConnectS, text: `≤ ${TARGETS.tlsConnectS} s` } : undefined,
      }),
    );
    add(figure({ key: 'rss_connected_mib', label: 'controller RSS with every host connected, MiB', fleet: stat([memoryMiB(ctl.daemon.pid)?.rss ?? NaN], 'once') }));

    const p: Phase = { ctl, sims, client, o, total, add, report, step };
    await phase(p, 'status', statusPhase);
    await phase(p, 'commands', commandPhase);
    await phase(p, 'ingest', ingestPhase);

    const mem = memoryMiB(ctl.daemon.pid);
    add(
      figure({
        key: 'rss_peak_mib',
        label: 'controller peak RSS over the run (VmHWM), MiB',
        fleet: stat([mem?.peak ?? NaN], 'once'),
        target: { op: '<=', value: TARGETS.rssMiB, text: `≤ ${TARGETS.rssMiB} MB` },
      }),
    );
    add(figure({ key: 'rss_end_mib', label: 'controller RSS at the end, MiB', fleet: stat([mem?.rss ?? NaN], 'once') }));
    const stats = await sims.stats();
    const reconnected = stats.hosts.filter((h) => h.sessions > 1);
    if (reconnected.length > 0) {
      const example = reconnected[0]!;
      report.notes.push(`${reconnected.length} hosts had to reconnect during the run (e.g. ${example.name}, ${example.sessions} sessions, last: ${example.lastError}); see simulator-N.err with --keep-temp`);
    }
  } catch (err) {
    report.errors.push(err instanceof Error ? err.message : String(err));
    step(`FAILED: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
  } finally {
    client?.close();
    await sims?.close();
    if (ctl?.daemon.alive) {
      const s = await ctl.daemon.terminate(20_000);
      step(`controller stopped ${s === null ? 'by SIGKILL after 20 s' : `in ${s.toFixed(2)} s`}`);
    }
    const killed = ws.finishRun(dir, ctl?.daemon ?? null);
    if (killed > 0) step(`killed ${killed} leftover processes`);
  }
  return report;
}
