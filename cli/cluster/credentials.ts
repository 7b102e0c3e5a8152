/**
 * Where cluster-mode fleetctl finds the controller and its credentials, the first that says
 * something winning:
 *
 *   controller   --controller    FLEET_CONTROLLER   [fleetctl] controller
 *   token        --token         FLEET_TOKEN        [fleetctl] token
 *   CA (PEM file) --ca           FLEET_CA           [fleetctl] ca        (relative: to the file)
 *   plaintext    --insecure      FLEET_INSECURE=1   [fleetctl] insecure = true
 *
 * The file is `$XDG_CONFIG_HOME/fleetvisor/fleetctl.ini` (`~/.config/fleetvisor/fleetctl.ini`
 * when XDG_CONFIG_HOME is unset). It holds a token, so fleetctl refuses to use it while its
 * group or others may read it, and says the chmod to run, as ssh does for its keys. A
 * controller named in the file selects cluster mode as FLEET_CONTROLLER does: unless -c or -s
 * point at a local agent.
 *
 * Secure mode (no --insecure) needs the controller's CA, to check whom it talks to; the token
 * is the controller's to ask for (its refusal says where to put one).
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createIniDocument, readIni } from '../../common/ini.js';
import { expandUser } from '../../agent/config/paths.js';

const FILE_KEYS = ['controller', 'token', 'ca', 'insecure'] as const;
type FileKey = (typeof FILE_KEYS)[number];

export interface FleetctlIni {
  path: string;
  /** The values of [fleetctl], each with its line. */
  values: Partial<Record<FileKey, { value: string; line: number }>>;
  /** Why the file must not be used as it is (group or others may read it), with the chmod to run; null when it is private. */
  unsafe: string | null;
}

/** What fleetctl hands the transport besides the controller's address. */
export interface ClusterCredentials {
  /** Plaintext, without authentication: the controller's --insecure mode. */
  insecure: boolean;
  /** An API token, sent as `authorization: Bearer <token>`; null: none. */
  token: string | null;
  /** The controller's CA certificate (PEM), pinned for TLS; null in insecure mode. */
  caPem: string | null;
}

export interface CredentialFlags {
  token?: string;
  ca?: string;
  insecure?: boolean;
}

export interface CredentialContext {
  env: Record<string, string | undefined>;
  home: string;
  cwd: string;
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);

/** The path of fleetctl.ini: $XDG_CONFIG_HOME/fleetvisor/fleetctl.ini, else ~/.config/fleetvisor/fleetctl.ini. */
export function fleetctlIniPath(ctx: Pick<CredentialContext, 'env' | 'home'>): string {
  const base = ctx.env.XDG_CONFIG_HOME ? ctx.env.XDG_CONFIG_HOME : join(ctx.home, '.config');
  return join(base, 'fleetvisor', 'fleetctl.ini');
}

/**
 * The [fleetctl] section of the file at `path`: null when there is no file; an Error when it
 * cannot be read or is not valid. A file that group or others may read is read all the same,
 * and says so in `unsafe`: whoever uses its values refuses it (resolveCredentials).
 */
export function readFleetctlIni(path: string): FleetctlIni | null | Error {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  const unsafe =
    (mode & 0o077) === 0
      ? null
      : `${path} may be read by ${(mode & 0o070) !== 0 ? 'its group' : 'others'} (mode ${(mode & 0o777).toString(8).padStart(4, '0')}), ` +
        `and it may hold an API token: fleetctl does not use it until only you can read it. Run: chmod 600 ${path}`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  const doc = createIniDocument();
  const { errors } = readIni(doc, text, path);
  const problems = errors.map((e) => `${e.file}:${e.line}: ${e.message}`);
  const values: FleetctlIni['values'] = {};
  const section = doc.sections.get('fleetctl');
  for (const [key, entry] of section?.entries ?? []) {
    if (!(FILE_KEYS as readonly string[]).includes(key)) {
      problems.push(`${path}:${entry.line}: ${key}: unknown key in [fleetctl] (known: ${FILE_KEYS.join(', ')})`);
      continue;
    }
    values[key as FileKey] = { value: entry.value.trim(), line: entry.line };
  }
  if (problems.length > 0) return new Error(problems.join('\n'));
  return { path, values, unsafe };
}

/** The controller address from the file, when it names one. */
export function iniController(ini: FleetctlIni | null): { text: string; where: string } | null {
  const entry = ini?.values.controller;
  return entry && entry.value !== '' ? { text: entry.value, where: `${ini!.path}:${entry.line}: controller` } : null;
}

/** The credentials in force, or an Error that says what is missing or wrong and where it came from. */
export function resolveCredentials(flags: CredentialFlags, ini: FleetctlIni | null, ctx: CredentialContext): ClusterCredentials | Error {
  if (ini?.unsafe) return new Error(ini.unsafe);
  const fileValue = (key: FileKey): { value: string; where: string } | null => {
    const entry = ini?.values[key];
    return entry && entry.value !== '' ? { value: entry.value, where: `${ini!.path}:${entry.line}: ${key}` } : null;
  };
  const insecure = flags.insecure === true || TRUE_WORDS.has((ctx.env.FLEET_INSECURE ?? '').toLowerCase()) || TRUE_WORDS.has((fileValue('insecure')?.value ?? '').toLowerCase());

  const token =
    flags.token !== undefined
      ? { value: flags.token, where: '--token' }
      : ctx.env.FLEET_TOKEN
        ? { value: ctx.env.FLEET_TOKEN, where: 'FLEET_TOKEN' }
        : fileValue('token');
  if (token !== null && (token.value === '' || /\s/.test(token.value))) return new Error(`${token.where}: not a token: it is empty or has spaces (tokens read fvt_...)`);

  const ca =
    flags.ca !== undefined
      ? { path: resolve(ctx.cwd, expandUser(flags.ca, ctx.home)), where: '--ca' }
      : ctx.env.FLEET_CA
        ? { path: resolve(ctx.cwd, expandUser(ctx.env.FLEET_CA, ctx.home)), where: 'FLEET_CA' }
        : fileCa(fileValue('ca'), ini, ctx.home);
  let caPem: string | null = null;
  if (ca !== null && !insecure) {
    try {
      caPem = readFileSync(ca.path, 'utf8');
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
      return new Error(`${ca.where}: cannot read the controller's CA certificate ${ca.path}: ${why}`);
    }
    if (!caPem.includes('-----BEGIN CERTIFICATE-----')) return new Error(`${ca.where}: ${ca.path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  if (!insecure && caPem === null) {
    return new Error(
      "the controller's secure mode needs its CA certificate to check whom fleetctl talks to: give --ca FILE (or FLEET_CA, or ca = FILE in " +
        `[fleetctl] of ${ini?.path ?? fleetctlIniPath(ctx)}); fleet-controller keeps it in DATA/pki/ca.crt. ` +
        'For a controller started with --insecure, add --insecure (or FLEET_INSECURE=1).',
    );
  }
  return { insecure, token: token?.value ?? null, caPem };
}

function fileCa(entry: { value: string; where: string } | null, ini: FleetctlIni | null, home: string): { path: string; where: string } | null {
  if (entry === null || ini === null) return null;
  return { path: resolve(dirname(ini.path), expandUser(entry.value, home)), where: entry.where };
}
