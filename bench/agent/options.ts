// Command-line options of `npm run bench:agent -- [options]`.
import { parseArgs } from 'node:util';
import type { LogParams } from './config.js';
import { IMPL_NAMES, type ImplName } from './impls.js';
import { SCENARIO_NAMES, type ScenarioName } from './scenario.js';

export interface Options {
  only: ScenarioName[];
  impls: ImplName[];
  /** Programs in the spawn scenario. */
  n: number;
  reps: number;
  quick: boolean;
  json: boolean;
  /** Keep the temp dir (configs, daemon logs, stamps) for inspection. */
  keepTemp: boolean;
  /** kill -9 rounds in the respawn scenario. */
  kills: number;
  /** How long each respawned child runs before the next kill (plus 0-200 ms of jitter). */
  killAfterMs: number;
  /** The idle window of the spawn scenario, and the pause before it. */
  idleSecs: number;
  settleSecs: number;
  log: LogParams;
}

export const USAGE = `Usage: npm run bench:agent -- [options]
   or: node dist/bench/agent/main.js [options]

Runs supervisord and fleet-agent on the same generated configs and prints both figures,
their ratio, and the targets with PASS/MISS.

  --only LIST      scenarios to run, comma-separated: spawn,respawn,logs (default: all)
  --impl WHICH     supervisord | fleet-agent | both (default: both)
  --n N            programs in the spawn scenario (default 1000)
  --reps N         repetitions; figures are the median, with min-max (default 3)
  --kills N        kill -9 rounds in the respawn scenario (default 50)
  --kill-after MS  how long each child runs before it is killed, plus 0-200 ms (default 1200)
  --log-mib N      MiB the log writer emits (default 1024)
  --idle-secs S    idle window in the spawn scenario (default 10)
  --quick          smoke run: N=50, 1 rep, 10 kills, 128 MiB of logs rotated at 8MB, 3 s idle
  --json           print the results as JSON on stdout instead of the table
  --keep-temp      keep the temp dir (configs, daemon logs, stamps; not the captured logs) to inspect
  -h, --help       this text
`;

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} wants a positive integer, not "${text}"`);
  return v;
}

/** Returns the options, or null after printing help. Throws on a bad option. */
export function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      impl: { type: 'string' },
      n: { type: 'string' },
      reps: { type: 'string' },
      kills: { type: 'string' },
      'kill-after': { type: 'string' },
      'log-mib': { type: 'string' },
      'idle-secs': { type: 'string' },
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'keep-temp': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return null;
  }
  const quick = values.quick === true;

  const only = (values.only ?? SCENARIO_NAMES.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of only) {
    if (!(SCENARIO_NAMES as readonly string[]).includes(s)) throw new Error(`--only: unknown scenario "${s}" (known: ${SCENARIO_NAMES.join(', ')})`);
  }
  const impl = values.impl ?? 'both';
  if (impl !== 'both' && !(IMPL_NAMES as readonly string[]).includes(impl)) {
    throw new Error(`--impl wants supervisord, fleet-agent or both, not "${impl}"`);
  }

  const logMiB = positiveInt('log-mib', values['log-mib'], quick ? 128 : 1024);
  const lineBytes = 64 * 1024;
  return {
    only: SCENARIO_NAMES.filter((s) => only.includes(s)),
    impls: impl === 'both' ? [...IMPL_NAMES] : [impl as ImplName],
    n: positiveInt('n', values.n, quick ? 50 : 1000),
    reps: positiveInt('reps', values.reps, quick ? 1 : 3),
    quick,
    json: values.json === true,
    keepTemp: values['keep-temp'] === true,
    kills: positiveInt('kills', values.kills, quick ? 10 : 50),
    killAfterMs: positiveInt('kill-after', values['kill-after'], 1200),
    idleSecs: positiveInt('idle-secs', values['idle-secs'], quick ? 3 : 10),
    settleSecs: quick ? 1.5 : 3,
    log: {
      totalBytes: logMiB * 1024 * 1024,
      lineBytes,
      maxbytes: quick ? '8MB' : '50MB',
      backups: 5,
    },
  };
}
