// npm run bench:fleet: fleet-controller at scale (simulated hosts) and against the pattern it
// replaces (an XML-RPC poller over supervisords), with the targets.
// See bench/README.md for what each figure means.
import { execFileSync } from 'node:child_process';
import { cpus, hostname, loadavg } from 'node:os';
import { repoRoot } from '../agent/impls.js';
import { Workspace } from '../agent/processes.js';
import { progress } from '../agent/progress.js';
import { parseOptions, USAGE, type Options, type ScenarioName } from './options.js';
import { runRealScenario } from './real-scenario.js';
import { renderJson, renderTable, type Meta, type ScenarioReport } from './report.js';
import { runScaleScenario } from './scale-scenario.js';
import { compareTls } from './tls-comparison.js';

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function commit(): string {
  try {
    const root = repoRoot();
    const head = execFileSync('git', ['-C', root, 'log', '-1', '--format=%h'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--', 'controller', 'agent', 'cli', 'common'], { encoding: 'utf8' }).trim();
    return dirty ? `${head} + uncommitted changes in controller/, agent/, cli/ or common/` : head;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<number> {
  let options: Options | null;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench:fleet: ${message(err)}\n\n${USAGE}`);
    return 2;
  }
  if (!options) return 0;

  const ws = new Workspace(options.keepTemp);
  ws.installHandlers();
  const meta: Meta = {
    date: new Date().toISOString(),
    host: hostname(),
    node: process.version,
    cpus: cpus().length,
    loadavg: loadavg(),
    commit: commit(),
    options: { ...options },
  };
  progress(`workspace ${ws.root}; scenarios ${options.only.join(', ')}; load ${meta.loadavg.map((l) => l.toFixed(2)).join(' ')}`);
  if (meta.loadavg[0]! > 2) progress('the machine is busy (load above 2): figures will be noisy');

  const runners: Record<ScenarioName, (step: (m: string) => void) => Promise<ScenarioReport[]>> = {
    scale: async (step) => {
      const plain = await runScaleScenario(ws, options.scale, step);
      if (!options.scale.tls) return [plain];
      return [plain, compareTls(plain, await runScaleScenario(ws, options.scale, (m) => step(`tls: ${m}`), true))];
    },
    real: async (step) => [await runRealScenario(ws, options.real, step)],
  };
  const reports: ScenarioReport[] = [];
  try {
    for (const name of options.only) reports.push(...(await runners[name]((m) => progress(`${name}: ${m}`))));
  } finally {
    ws.cleanup();
  }
  if (options.keepTemp) progress(`kept ${ws.root} (remove it when done)`);
  process.stdout.write(options.json ? renderJson(meta, reports) : renderTable(meta, reports));
  return reports.some((r) => r.errors.length > 0) ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench:fleet: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
