// Command-line options of `npm run bench:fleet -- [options]`.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export type ScenarioName = 'scale' | 'real';
export const SCENARIO_NAMES: readonly ScenarioName[] = ['scale', 'real'];

export interface ScaleOptions {
  /** Run the scenario a second time in secure mode (mutual TLS), reported beside the plaintext run. */
  tls: boolean;
  hosts: number;
  processes: number;
  /** Simulator processes the hosts are spread over. */
  simulators: number;
  /** Each host dials after a random delay below this. */
  jitterMs: number;
  statusReps: number;
  restartReps: number;
  /** Transitions each host emits in the ingest flood (rounded up to whole cycles of 4). */
  floodPerHost: number;
  /** Unacked events a host may have in flight, and events per EventBatch. */
  window: number;
  batch: number;
  /** V8 CPU profiles of the controller and the simulators go here (--cpu-prof-dir), or nowhere when null. */
  cpuProfDir: string | null;
}

export interface RealOptions {
  hosts: number;
  processes: number;
  reps: number;
  /** Threads of the threaded poller. */
  threads: number;
}

export interface Options {
  only: ScenarioName[];
  scale: ScaleOptions;
  real: RealOptions;
  quick: boolean;
  json: boolean;
  keepTemp: boolean;
}

export const USAGE = `Usage: npm run bench:fleet -- [options]
   or: node dist/bench/fleet/main.js [options]

Runs fleet-controller against simulated hosts (many per process, real gRPC streams, real SQLite)
and against real fleet-agents, the latter side by side with an XML-RPC poller over as many
supervisords; prints the figures, their ratio, and the issue's targets with PASS/MISS.

  --only LIST         scenarios: scale (simulated hosts), real (real hosts vs supervisords); default both
  --hosts N           simulated hosts (default 1000)
  --procs N           processes per simulated host (default 20)
  --simulators N      simulator processes the hosts are spread over (default 4)
  --jitter-ms MS      each simulated host dials after a random delay below this (default 2000)
  --status-reps N     fleetctl status -A runs on the simulated fleet (default 20)
  --restart-reps N    fleet-wide signals (HUP) and restarts, each (default 5)
  --flood N           transitions each simulated host emits in the ingest flood (default 400)
  --window N          unacked events a simulated host may have in flight (default 256)
  --batch N           events per EventBatch message (default 64)
  --tls               run the scale scenario again with the controller in secure mode: every host
                      enrolls (fleet-agent join's code) and streams over mutual TLS, the client
                      uses TLS and a token; printed beside the plaintext run as TLS ÷ plaintext,
                      with the target of 1,000 hosts connected within 30 s
  --real-hosts N      real fleet-agents and supervisords (default 50)
  --real-procs N      processes on each of them (default 4)
  --real-reps N       runs of each status command on the real hosts (default 10)
  --threads N         threads of the threaded XML-RPC poller (default 8)
  --quick             smoke run, under a minute: 100 simulated hosts, 5 real ones, fewer reps
  --cpu-prof DIR      write V8 CPU profiles (.cpuprofile) of the controller and the simulators of
                      the scale scenario into DIR, for Chrome DevTools or a script to read
  --json              print the results as JSON on stdout instead of the table
  --keep-temp         keep the temp dir (controller and simulator output, configs, the database)
  -h, --help          this text

Exit status: 0; 1 if a scenario failed (its error is printed under its table); 2 for a bad option.
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
      hosts: { type: 'string' },
      procs: { type: 'string' },
      simulators: { type: 'string' },
      'jitter-ms': { type: 'string' },
      'status-reps': { type: 'string' },
      'restart-reps': { type: 'string' },
      flood: { type: 'string' },
      window: { type: 'string' },
      batch: { type: 'string' },
      tls: { type: 'boolean', default: false },
      'real-hosts': { type: 'string' },
      'real-procs': { type: 'string' },
      'real-reps': { type: 'string' },
      threads: { type: 'string' },
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
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
  const hosts = positiveInt('hosts', values.hosts, quick ? 100 : 1000);
  return {
    only: SCENARIO_NAMES.filter((s) => only.includes(s)),
    scale: {
      tls: values.tls === true,
      hosts,
      processes: positiveInt('procs', values.procs, 20),
      simulators: Math.min(hosts, positiveInt('simulators', values.simulators, quick ? 2 : 4)),
      jitterMs: positiveInt('jitter-ms', values['jitter-ms'], quick ? 500 : 2000),
      statusReps: positiveInt('status-reps', values['status-reps'], quick ? 5 : 20),
      restartReps: positiveInt('restart-reps', values['restart-reps'], quick ? 2 : 5),
      floodPerHost: Math.ceil(positiveInt('flood', values.flood, quick ? 200 : 400) / 4) * 4,
      window: positiveInt('window', values.window, 256),
      batch: positiveInt('batch', values.batch, 64),
      cpuProfDir: values['cpu-prof'] === undefined ? null : resolve(values['cpu-prof']),
    },
    real: {
      hosts: positiveInt('real-hosts', values['real-hosts'], quick ? 5 : 50),
      processes: positiveInt('real-procs', values['real-procs'], 4),
      reps: positiveInt('real-reps', values['real-reps'], quick ? 3 : 10),
      threads: positiveInt('threads', values.threads, 8),
    },
    quick,
    json: values.json === true,
    keepTemp: values['keep-temp'] === true,
  };
}
