// npm run bench:agent: supervisord and fleet-agent side by side on the same generated configs.
// See bench/README.md for what each figure means.
import { mkdirSync } from 'node:fs';
import { cpus, hostname, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fleetAgentImpl, supervisordImpl, type Impl, type ImplName } from './impls.js';
import { parseOptions, USAGE, type Options } from './options.js';
import { Workspace, type Daemon } from './processes.js';
import { progress } from './progress.js';
import { renderJson, renderTable, summarize, type Meta, type ScenarioRuns } from './report.js';
import type { MetricDef, RunContext, Scenario, ScenarioName, Values } from './scenario.js';
import { logsScenario } from './scenarios/logs.js';
import { respawnScenario } from './scenarios/respawn.js';
import { spawnScenario } from './scenarios/spawn.js';

const SCENARIOS: Record<ScenarioName, Scenario> = { spawn: spawnScenario, respawn: respawnScenario, logs: logsScenario };

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function runScenario(scenario: Scenario, impls: Impl[], options: Options, ws: Workspace): Promise<ScenarioRuns> {
  const out: ScenarioRuns = {
    name: scenario.name,
    description: scenario.describe(options),
    metrics: scenario.metrics(options),
    runs: {},
    errors: [],
  };
  progress(out.description);
  for (let rep = 1; rep <= options.reps; rep++) {
    // Alternate the order between reps, so neither implementation always runs on a warmer machine.
    const order = rep % 2 === 1 ? impls : [...impls].reverse();
    for (const impl of order) {
      const dir = join(ws.root, `${scenario.name}-${impl.name}-${rep}`);
      mkdirSync(dir);
      let daemon: Daemon | null = null;
      const prefix = `${scenario.name} ${impl.name} rep ${rep}/${options.reps}`;
      const ctx: RunContext = {
        impl,
        dir,
        workspace: ws,
        options,
        step: (m) => progress(`${prefix}: ${m}`),
        setDaemon: (d) => {
          daemon = d;
        },
      };
      try {
        const values: Values = await scenario.run(ctx);
        (out.runs[impl.name] ??= []).push(values);
      } catch (err) {
        out.errors.push({ impl: impl.name, rep, message: message(err) });
        progress(`${prefix}: FAILED: ${message(err).split('\n')[0]}`);
      } finally {
        const killed = ws.finishRun(dir, daemon);
        if (killed > 0) progress(`${prefix}: killed ${killed} leftover processes`);
      }
      await sleep(1000); // let the previous run's teardown settle
    }
  }
  return out;
}

async function main(): Promise<number> {
  let options: Options | null;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${message(err)}\n\n${USAGE}`);
    return 2;
  }
  if (!options) return 0;

  const impls: Impl[] = [];
  try {
    for (const name of options.impls) impls.push(name === 'supervisord' ? supervisordImpl() : fleetAgentImpl());
  } catch (err) {
    process.stderr.write(`bench: ${message(err)}\n`);
    return 2;
  }

  const ws = new Workspace(options.keepTemp);
  ws.installHandlers();
  progress(`workspace ${ws.root}; ${impls.map((i) => i.name).join(' and ')}; scenarios ${options.only.join(', ')}; ${options.reps} rep(s)`);
  const versions: Partial<Record<ImplName, string>> = {};
  for (const i of impls) versions[i.name] = i.version;
  const meta: Meta = {
    date: new Date().toISOString(),
    host: hostname(),
    node: process.version,
    kernel: release(),
    cpus: cpus().length,
    loadavg: loadavg(),
    versions,
    options: { ...options },
  };

  const all: ScenarioRuns[] = [];
  for (const name of options.only) all.push(await runScenario(SCENARIOS[name], impls, options, ws));
  ws.cleanup();
  if (options.keepTemp) progress(`kept ${ws.root} (remove it when done)`);

  const results = all.map((s) => summarize(s, options.reps));
  const defs = new Map<ScenarioName, MetricDef[]>(all.map((s) => [s.name, s.metrics]));
  process.stdout.write(options.json ? renderJson(meta, results) : renderTable(meta, results, defs));
  return all.some((s) => s.errors.length > 0) ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
