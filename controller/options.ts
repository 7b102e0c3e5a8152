/**
 * fleet-controller's settings: flags, or the same keys in the `[controller]` section of an INI
 * file given with -c (a flag wins over the file). Parsing is pure: it returns the settings or
 * what to print and the exit code, as fleet-agent's options do. Problems in the file read
 * `file:line: key: message`; problems with flags read `Error: ...`; both exit 2.
 *
 * The INI reader is fleet-agent's (supervisord's dialect: `;` and `#` comments, continuation
 * lines), so one file format serves the whole project.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { parseCommandLine, usageError } from '../common/command-line.js';
import { formatDuration, parseDuration } from '../common/duration.js';
import { VERSION } from '../common/version.js';
import { createIniDocument, readIni } from '../common/ini.js';
import { parseBoolean } from '../agent/config/values.js';
import { isLoopback, parseListenAddress, type ListenAddress } from './listen-address.js';

export interface ControllerOptions {
  /** gRPC for agents and clients. */
  listen: ListenAddress;
  /** HTTP: /healthz, the hosts page, /api/hosts. */
  http: ListenAddress;
  /** Where the SQLite database lives. */
  dataDir: string;
  insecure: boolean;
  heartbeatMs: number;
  /** Secure mode: how long agent certificates are valid. */
  certTtlMs: number;
  /** Secure mode: extra DNS names and addresses for the server certificate. */
  extraNames: string[];
}

export type ControllerArgsOutcome = { kind: 'run'; options: ControllerOptions } | { kind: 'exit'; code: number; stdout: string; stderr: string };

export const DEFAULT_LISTEN = '127.0.0.1:7400';
export const DEFAULT_HTTP = '127.0.0.1:7401';
export const DEFAULT_HEARTBEAT = '5s';
export const DEFAULT_CERT_TTL = '30d';
const MIN_CERT_TTL_MS = 60_000;
const MAX_CERT_TTL_MS = 3650 * 86_400_000;
const MIN_HEARTBEAT_MS = 100;
const MAX_HEARTBEAT_MS = 600_000;

export const USAGE_EXAMPLES = `
Examples:
  fleet-controller --listen 0.0.0.0:7400 --data /var/lib/fleet-controller
      secure mode: TLS with the controller's own CA (made in DATA/pki on the first start; its
      fingerprint is printed), agents by client certificate, clients by API token
  fleet-controller ca-fingerprint --data /var/lib/fleet-controller
      print the CA fingerprint again (for fleet-agent join --ca-fingerprint)
  fleet-controller bootstrap --data /var/lib/fleet-controller
      print the first admin token, once (fleetctl --token; then fleetctl token create for the others)
  fleet-controller --insecure --data ./fleet-data
      development mode: plaintext, no authentication, on ${DEFAULT_LISTEN} (gRPC) and ${DEFAULT_HTTP} (HTTP)
  fleet-controller --insecure --listen 127.0.0.1:7400 --http 127.0.0.1:8080 --data /tmp/fleet --heartbeat 2s
  fleet-controller -c /etc/fleetvisor/controller.ini

The INI file takes the same settings in a [controller] section (flags win over it; a
relative data path is relative to the file's directory):
  [controller]
  listen = 127.0.0.1:7400
  http = 127.0.0.1:7401
  data = /var/lib/fleet-controller
  insecure = true
  heartbeat = 5s
  cert_ttl = 30d
  san = ctl.example.com, 10.0.0.5

Agents connect with [fleet] controller = HOST:PORT after enrolling once (fleet-agent join), or
with insecure = true in development mode.
Signals: TERM and INT close the controller cleanly.
`;

interface Setting {
  value: string;
  /** `file:line` for a value from the INI file, or the flag. */
  where: string;
  fromFile: boolean;
}

const FILE_KEYS = ['listen', 'http', 'data', 'insecure', 'heartbeat', 'cert_ttl', 'san'] as const;
type FileKey = (typeof FILE_KEYS)[number];

export function parseControllerArgs(argv: string[], prog = 'fleet-controller', cwd = process.cwd()): ControllerArgsOutcome {
  const program = new Command(prog)
    .description('fleet-controller: the fleet\'s control plane. Agents stream their state and logs to it over gRPC; fleetctl and the dashboard act through it.')
    .helpOption('-h, --help', 'print this usage message and exit')
    .option('-c, --configuration <file>', 'read settings from the [controller] section of this INI file')
    .option('--listen <addr>', `gRPC address for agents and clients (default ${DEFAULT_LISTEN})`)
    .option('--http <addr>', `HTTP address for the dashboard, /healthz and /api/hosts (default ${DEFAULT_HTTP})`)
    .option('--data <dir>', 'directory of the controller\'s database (created if missing)')
    .option('--insecure', 'development mode: plaintext, no authentication, loopback addresses only')
    .option('--heartbeat <duration>', `heartbeat interval of agent streams (default ${DEFAULT_HEARTBEAT}); stale after 1.5 intervals of silence, disconnected after 2`)
    .option('--cert-ttl <duration>', `secure mode: how long agent certificates are valid (default ${DEFAULT_CERT_TTL}); agents renew at two thirds of it`)
    .option('--san <name>', 'secure mode: an extra DNS name or IP address for the server certificate (repeatable; clients check the name fleet-controller)', (v: string, all: string[] = []) => [...all, v])
    .option('-v, --version', 'print the version number and exit')
    .addHelpText('after', USAGE_EXAMPLES)
    .allowExcessArguments(false);
  const helpHint = `${prog} -h`;
  const line = parseCommandLine(program, argv, helpHint);
  if (line.kind === 'exit') return { kind: 'exit', ...line.exit };
  const usage = (...messages: string[]): ControllerArgsOutcome => ({ kind: 'exit', ...usageError(messages, helpHint) });
  const flags = program.opts<{
    configuration?: string;
    listen?: string;
    http?: string;
    data?: string;
    insecure?: boolean;
    heartbeat?: string;
    certTtl?: string;
    san?: string[];
    version?: boolean;
  }>();
  if (flags.version) return { kind: 'exit', code: 0, stdout: `${VERSION}\n`, stderr: '' };

  const settings = new Map<FileKey, Setting>();
  let baseDir = cwd;
  if (flags.configuration !== undefined) {
    const file = resolve(cwd, flags.configuration);
    const read = readControllerSection(file);
    if ('errors' in read) return { kind: 'exit', code: 2, stdout: '', stderr: read.errors.map((e) => `${e}\n`).join('') };
    for (const [key, setting] of read.settings) settings.set(key, setting);
    baseDir = dirname(file);
  }
  const flag = (key: FileKey, value: string | undefined): void => {
    if (value !== undefined) settings.set(key, { value, where: `--${key}`, fromFile: false });
  };
  flag('listen', flags.listen);
  flag('http', flags.http);
  flag('data', flags.data);
  flag('heartbeat', flags.heartbeat);
  if (flags.certTtl !== undefined) settings.set('cert_ttl', { value: flags.certTtl, where: '--cert-ttl', fromFile: false });
  if (flags.san !== undefined) settings.set('san', { value: flags.san.join(','), where: '--san', fromFile: false });
  if (flags.insecure) settings.set('insecure', { value: 'true', where: '--insecure', fromFile: false });

  // Problems in the file are printed as the file's lines (file:line: key: message); problems
  // with flags as usage errors.
  const fileProblems: string[] = [];
  const flagProblems: string[] = [];
  const problem = (s: Setting, message: string): void => {
    (s.fromFile ? fileProblems : flagProblems).push(`${s.where}: ${message}`);
  };
  const convert = <T>(key: FileKey, fallback: string, parse: (value: string) => T): T | undefined => {
    const s = settings.get(key) ?? { value: fallback, where: `--${key}`, fromFile: false };
    try {
      return parse(s.value);
    } catch (err) {
      problem(s, (err as Error).message);
      return undefined;
    }
  };
  const listen = convert('listen', DEFAULT_LISTEN, parseListenAddress);
  const http = convert('http', DEFAULT_HTTP, parseListenAddress);
  const insecure = convert('insecure', 'false', parseBoolean);
  const heartbeatMs = convert('heartbeat', DEFAULT_HEARTBEAT, parseHeartbeat);
  const certTtlMs = convert('cert_ttl', DEFAULT_CERT_TTL, parseCertTtl);
  const extraNames = convert('san', '', parseNames);
  const data = settings.get('data');
  if (data === undefined) flagProblems.push('no data directory: give --data DIR (or data = DIR in the [controller] section of -c FILE)');
  else if (data.value.trim() === '') problem(data, 'the data directory is empty');

  if (fileProblems.length > 0) return { kind: 'exit', code: 2, stdout: '', stderr: fileProblems.map((p) => `${p}\n`).join('') };
  if (flagProblems.length > 0) return usage(...flagProblems);

  const options = {
    listen: listen!,
    http: http!,
    dataDir: resolve(data!.fromFile ? baseDir : cwd, data!.value.trim()),
    insecure: insecure!,
    heartbeatMs: heartbeatMs!,
    certTtlMs: certTtlMs!,
    extraNames: extraNames!,
  };
  if (!insecure) return { kind: 'run', options };
  for (const [key, address] of [['listen', listen], ['http', http]] as const) {
    if (address && !isLoopback(address)) {
      const s = settings.get(key);
      const shown = s?.value ?? (key === 'listen' ? DEFAULT_LISTEN : DEFAULT_HTTP);
      return usage(`${s?.where ?? `--${key}`}: --insecure binds loopback addresses only (127.0.0.1, ::1, localhost), not ${JSON.stringify(shown)}; plaintext without authentication must not be reachable from other machines`);
    }
  }
  return { kind: 'run', options };
}

function parseCertTtl(value: string): number {
  const ms = parseDuration(value);
  if (ms === null) throw new Error(`not a duration: ${JSON.stringify(value)} (examples: 30d, 12h, 90d)`);
  if (ms < MIN_CERT_TTL_MS || ms > MAX_CERT_TTL_MS) throw new Error(`${value} is outside 1m..3650d`);
  return ms;
}

/** `a.example, 10.0.0.5`: names for the server certificate, comma separated. */
function parseNames(value: string): string[] {
  const names = value.split(',').map((n) => n.trim()).filter((n) => n !== '');
  for (const name of names) if (!/^[A-Za-z0-9.:*-]+$/.test(name)) throw new Error(`not a DNS name or IP address: ${JSON.stringify(name)}`);
  return names;
}

function parseHeartbeat(value: string): number {
  const ms = parseDuration(value);
  if (ms === null) throw new Error(`not a duration: ${JSON.stringify(value)} (examples: 5s, 500ms, 1m)`);
  if (ms < MIN_HEARTBEAT_MS || ms > MAX_HEARTBEAT_MS) throw new Error(`${value} is outside ${formatDuration(MIN_HEARTBEAT_MS)}..${formatDuration(MAX_HEARTBEAT_MS)}`);
  return ms;
}

/** The [controller] section's settings, or every problem as `file:line: key: message`. */
function readControllerSection(file: string): { settings: Map<FileKey, Setting> } | { errors: string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { errors: [`Error: cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`] };
  }
  const doc = createIniDocument();
  const { errors } = readIni(doc, text, file);
  const problems = errors.map((e) => `${e.file}:${e.line}: ${e.message}`);
  const section = doc.sections.get('controller');
  if (!section) {
    if (problems.length === 0) problems.push(`${file}: no [controller] section`);
    return { errors: problems };
  }
  const settings = new Map<FileKey, Setting>();
  for (const [key, entry] of section.entries) {
    if (!(FILE_KEYS as readonly string[]).includes(key)) {
      problems.push(`${entry.file}:${entry.line}: ${key}: unknown key in [controller] (known: ${FILE_KEYS.join(', ')})`);
      continue;
    }
    settings.set(key as FileKey, { value: entry.value, where: `${entry.file}:${entry.line}: ${key}`, fromFile: true });
  }
  return problems.length > 0 ? { errors: problems } : { settings };
}
