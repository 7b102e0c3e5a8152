// The real scenario: N real fleet-agents linked to one fleet-controller against N real
// supervisords polled over XML-RPC (bench/fleet/xmlrpc-poller.py, Python's xmlrpc.client),
// same programs on both sides. Each rep runs, in alternating order, `fleetctl status -A`, the
// poller going through the hosts one after another (as Cesi does), and the poller with threads,
// each as a whole command (interpreter start-up included); then both again warm (the call
// alone in a running client, the poll cycle alone in a running poller).
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fleetAgentImpl, repoRoot, supervisordImpl } from '../agent/impls.js';
import type { Daemon, Workspace } from '../agent/processes.js';
import { memoryMiB, startControllerDaemon, type RunningControllerDaemon } from './controller-daemon.js';
import { FleetClient } from './fleet-client.js';
import type { RealOptions } from './options.js';
import { agentConfig, freePorts, launchHost, supervisordConfig } from './real-hosts.js';
import { figure, stat, type ScenarioReport } from './report.js';
import { fleetctlProblem, waitForListing } from './scale-scenario.js';
import { fleetctlStatusAll, runningLines, timedCommand, type TimedRun } from './timed-command.js';

interface PollerSummary {
  cycles_ms: number[];
  hosts: number;
  processes: number;
  running: number;
  errors: string[];
}

function pollerArgs(urls: string[], extra: string[]): string[] {
  return [join(repoRoot(), 'bench', 'fleet', 'xmlrpc-poller.py'), ...extra, ...urls];
}

function summaryOf(run: TimedRun): PollerSummary {
  const last = run.stderr.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as PollerSummary;
  } catch {
    throw new Error(`the XML-RPC poller exited ${run.code} without its summary line:\n${run.stderr.slice(-500)}`);
  }
}

async function poll(urls: string[], extra: string[], expected: number): Promise<{ run: TimedRun; summary: PollerSummary }> {
  const run = await timedCommand('python3', pollerArgs(urls, extra));
  const summary = summaryOf(run);
  if (run.code !== 0 || summary.running !== expected) {
    throw new Error(`the poller (${extra.join(' ') || 'sequential'}) saw ${summary.running} of ${expected} RUNNING; errors: ${summary.errors.slice(0, 3).join('; ')}`);
  }
  return { run, summary };
}

function assertAllAlive(daemons: Daemon[], what: string): void {
  for (const d of daemons) d.assertAlive(what);
}

/** Polls the supervisords until every process is RUNNING. */
async function waitForSupervisords(urls: string[], daemons: Daemon[], expected: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    assertAllAlive(daemons, 'starting their programs');
    const run = await timedCommand('python3', pollerArgs(urls, ['--threads', '16', '--quiet']));
    try {
      const s = summaryOf(run);
      if (s.running === expected) return;
      last = `${s.running} of ${expected} RUNNING, ${s.errors.length} hosts failing`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`the supervisords are not all RUNNING after ${timeoutMs / 1000} s (${last})`);
    await sleep(500);
  }
}

export async function runRealScenario(ws: Workspace, o: RealOptions, step: (m: string) => void): Promise<ScenarioReport> {
  const total = o.hosts * o.processes;
  const report: ScenarioReport = {
    name: 'real',
    title: `${o.hosts} real hosts x ${o.processes} processes: fleet-agents linked to fleet-controller vs supervisords polled over XML-RPC; status of all ${total} processes`,
    fleetLabel: 'fleetvisor',
    peerLabel: 'XML-RPC poller',
    figures: [],
    notes: [],
    errors: [],
  };
  const dir = join(ws.root, 'real');
  let ctl: RunningControllerDaemon | null = null;
  let client: FleetClient | null = null;
  const agents: Daemon[] = [];
  const supervisords: Daemon[] = [];
  try {
    const agentImpl = fleetAgentImpl();
    const supervisordImplementation = supervisordImpl();
    ctl = await startControllerDaemon(ws, join(dir, 'controller'));
    client = new FleetClient(ctl.address);

    step(`starting ${o.hosts} fleet-agents linked to ${ctl.address}`);
    const t0 = performance.now();
    for (let i = 1; i <= o.hosts; i++) {
      const host = `real-${String(i).padStart(2, '0')}`;
      const hostDir = join(dir, `agent-${host}`);
      agents.push(launchHost(ws, agentImpl, hostDir, `fleet-agent ${host}`, agentConfig(hostDir, host, ctl.address, o.processes)));
    }
    await waitForListing(client, ctl, o.hosts, o.processes, 240_000).catch((err: Error) => {
      assertAllAlive(agents, 'connecting');
      throw err;
    });
    const agentsUp = (performance.now() - t0) / 1000;
    step(`every agent's processes listed RUNNING by the controller after ${agentsUp.toFixed(1)} s; starting ${o.hosts} supervisords`);

    const ports = await freePorts(o.hosts);
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    const t1 = performance.now();
    for (let i = 0; i < o.hosts; i++) {
      const hostDir = join(dir, `supervisord-${String(i + 1).padStart(2, '0')}`);
      supervisords.push(launchHost(ws, supervisordImplementation, hostDir, `supervisord :${ports[i]}`, supervisordConfig(hostDir, ports[i]!, o.processes)));
    }
    await waitForSupervisords(urls, supervisords, total, 240_000);
    const supervisordsUp = (performance.now() - t1) / 1000;
    step(`every supervisord's processes RUNNING after ${supervisordsUp.toFixed(1)} s`);

    const problem = await fleetctlProblem(ctl.address, total);
    if (problem) report.notes.push(`fleetctl cluster mode not usable, so only the warm rows compare (ListProcesses from a warm grpc-js client): ${problem}`);
    const cli: number[] = [];
    const sequential: number[] = [];
    const threaded: number[] = [];
    const threads = ['--threads', String(o.threads)];
    for (let rep = 1; rep <= o.reps; rep++) {
      const runs: Array<() => Promise<void>> = [
        async () => {
          if (problem) return;
          const r = await fleetctlStatusAll(ctl!.address);
          const running = runningLines(r.stdout);
          if (r.code !== 0 || running !== total) throw new Error(`fleetctl status -A exited ${r.code} with ${running} of ${total} RUNNING lines: ${r.stderr.slice(0, 300)}`);
          cli.push(r.ms);
        },
        async () => void sequential.push((await poll(urls, [], total)).run.ms),
        async () => void threaded.push((await poll(urls, threads, total)).run.ms),
      ];
      // Alternate the order, so no side always runs right after another's burst of work.
      for (const run of rep % 2 === 1 ? runs : runs.reverse()) await run();
    }
    step(
      `cold x${o.reps}: fleetctl ${problem ? '-' : stat(cli, 'median')!.value.toFixed(0)} ms, poller ${stat(sequential, 'median')!.value.toFixed(0)} ms sequential, ` +
        `${stat(threaded, 'median')!.value.toFixed(0)} ms with ${o.threads} threads`,
    );

    // Warm: one extra first round opens the connections and is left out on both sides.
    const rpc: number[] = [];
    for (let rep = 0; rep <= o.reps; rep++) {
      const t = performance.now();
      const listing = await client.listAll();
      if (rep > 0) rpc.push(performance.now() - t);
      if (listing.processes.length !== total) throw new Error(`ListProcesses returned ${listing.processes.length} of ${total} processes`);
    }
    const warmSequential = (await poll(urls, ['--reps', String(o.reps + 1), '--quiet'], total)).summary.cycles_ms.slice(1);
    const warmThreaded = (await poll(urls, [...threads, '--reps', String(o.reps + 1), '--quiet'], total)).summary.cycles_ms.slice(1);
    step(`warm: ListProcesses ${stat(rpc, 'median')!.value.toFixed(1)} ms, poll cycle ${stat(warmSequential, 'median')!.value.toFixed(1)} ms sequential, ${stat(warmThreaded, 'median')!.value.toFixed(1)} ms threaded`);

    const rss = (daemons: Daemon[]): number[] => daemons.map((d) => memoryMiB(d.pid)?.rss ?? NaN);
    const add = report.figures.push.bind(report.figures);
    const cliStat = problem ? null : stat(cli, 'median');
    add(figure({ key: 'status_cold_ms', label: 'status of every host, whole command, wall ms: fleetctl status -A | poller, sequential', fleet: cliStat, peer: stat(sequential, 'median'), ratio: true }));
    add(figure({ key: 'status_cold_threaded_ms', label: `  ... poller with ${o.threads} threads`, fleet: cliStat, peer: stat(threaded, 'median'), ratio: true }));
    add(figure({ key: 'status_warm_ms', label: 'status of every host, warm, ms: ListProcesses call | poll cycle, sequential', digits: 1, fleet: stat(rpc, 'median'), peer: stat(warmSequential, 'median'), ratio: true }));
    add(figure({ key: 'status_warm_threaded_ms', label: `  ... poll cycle with ${o.threads} threads`, digits: 1, fleet: stat(rpc, 'median'), peer: stat(warmThreaded, 'median'), ratio: true }));
    add(figure({ key: 'hosts_up_s', label: `all ${o.hosts} hosts started, every process RUNNING, s: agents (listed by the controller) | supervisords`, digits: 1, fleet: stat([agentsUp], 'once'), peer: stat([supervisordsUp], 'once'), ratio: true }));
    add(figure({ key: 'host_rss_mib', label: 'RSS of one host daemon, MiB: fleet-agent | supervisord', digits: 1, fleet: stat(rss(agents), 'median'), peer: stat(rss(supervisords), 'median'), ratio: true }));
    add(figure({ key: 'controller_rss_mib', label: 'fleet-controller RSS, MiB', digits: 1, fleet: stat([memoryMiB(ctl.daemon.pid)?.rss ?? NaN], 'once') }));
  } catch (err) {
    report.errors.push(err instanceof Error ? err.message : String(err));
    step(`FAILED: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
  } finally {
    client?.close();
    for (const d of [...agents, ...supervisords]) d.kill();
    const killed = ws.finishRun(dir, ctl?.daemon ?? null);
    step(`stopped the controller, ${agents.length} agents and ${supervisords.length} supervisords${killed > 0 ? ` (${killed} processes killed)` : ''}`);
  }
  return report;
}
