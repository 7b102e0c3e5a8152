import { constants } from 'node:os';
import type { Accounts } from './accounts.js';
import { ConfigValueError } from './errors.js';
import { parseLabelPairs } from '../../common/host.js';
import { splitHostPort } from '../../common/host-port.js';
import { pyRepr } from '../../common/python-repr.js';
import type { Autorestart, LogLevel, SignalName } from './types.js';

/**
 * Value converters, one per supervisord datatype (supervisor/datatypes.py), with its message
 * texts. Each takes the option's text after expansion and throws ConfigValueError; the loader
 * adds where the value came from. Converters that touch the system (accounts, directories) take
 * it as an argument.
 */

const TRUTHY = ['yes', 'true', 'on', '1'];
const FALSY = ['no', 'false', 'off', '0'];

export function parseBoolean(value: string): boolean {
  const v = value.toLowerCase();
  if (TRUTHY.includes(v)) return true;
  if (FALSY.includes(v)) return false;
  throw new ConfigValueError(`not a valid boolean value: ${pyRepr(value)}`);
}

/** Python's int(s): surrounding whitespace, a sign, digits with single underscores between them. */
function pyInt(value: string, base: 8 | 10): number | null {
  const digits = base === 8 ? '[0-7]' : '\\d';
  const prefix = base === 8 ? '(?:0[oO]_?)?' : '';
  const match = new RegExp(`^\\s*([+-]?)${prefix}(${digits}+(?:_${digits}+)*)\\s*$`).exec(value);
  if (!match) return null;
  const n = parseInt(match[2]!.replaceAll('_', ''), base) * (match[1] === '-' ? -1 : 1);
  return Number.isSafeInteger(n) ? n : null;
}

export function parseInteger(value: string): number {
  const n = pyInt(value, 10);
  if (n === null) throw new ConfigValueError(`invalid literal for int() with base 10: ${pyRepr(value)}`);
  return n;
}

/** An integer, optionally with KB, MB or GB (any case, 1024-based). `1TB`, `1K`, `1B` are errors. */
export function parseByteSize(value: string): number {
  const v = value.toLowerCase();
  const multipliers: Record<string, number> = { kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
  const multiplier = multipliers[v.slice(-2)];
  // supervisord converts the lower-cased text, so its message shows it that way.
  const digits = multiplier === undefined ? v : v.slice(0, -2);
  const n = pyInt(digits, 10);
  if (n === null) throw new ConfigValueError(`invalid literal for int() with base 10: ${pyRepr(digits)}`);
  const bytes = n * (multiplier ?? 1);
  if (!Number.isSafeInteger(bytes)) throw new ConfigValueError(`byte size too large: ${pyRepr(value)}`);
  return bytes;
}

/** `022`, `0700`, `0o22`: base 8. */
export function parseOctal(value: string): number {
  const n = pyInt(value, 8);
  if (n === null) throw new ConfigValueError(`${value} can not be converted to an octal type`);
  return n;
}

/** Python's canonical name for signals that have aliases (signal.Signals(n).name). */
const SIGNAL_ALIASES: Record<string, SignalName> = { SIGIOT: 'SIGABRT', SIGPOLL: 'SIGIO', SIGCLD: 'SIGCHLD' };

/**
 * A signal by number or by name, any case, with or without SIG: `9`, `KILL`, `sigkill`.
 * Returns the canonical name. Only signals Node can send by name are accepted, so the realtime
 * signals and 0 that Python's signal module also lists are refused.
 */
export function parseSignal(value: string): SignalName {
  const signals = constants.signals as Record<string, number>;
  const num = pyInt(value, 10);
  if (num !== null) {
    const name = Object.keys(signals).find((n) => signals[n] === num && !(n in SIGNAL_ALIASES));
    if (name === undefined) throw new ConfigValueError(`value ${pyRepr(value)} is not a valid signal number`);
    return name as SignalName;
  }
  let name = value.trim().toUpperCase();
  if (!name.startsWith('SIG')) name = 'SIG' + name;
  const canonical = SIGNAL_ALIASES[name] ?? name;
  if (!(canonical in signals)) throw new ConfigValueError(`value ${pyRepr(value)} is not a valid signal name`);
  return canonical as SignalName;
}

export function parseAutorestart(value: string): Autorestart {
  const v = value.toLowerCase();
  if (TRUTHY.includes(v)) return 'true';
  if (FALSY.includes(v)) return 'false';
  if (v === 'unexpected') return 'unexpected';
  throw new ConfigValueError(`invalid 'autorestart' value ${pyRepr(v)}`);
}

/** Comma-separated integers, each 0-255; an empty value is an empty list. */
export function parseExitCodes(value: string): number[] {
  if (value === '') return [];
  const codes = value.split(',').map((part) => pyInt(part, 10));
  if (codes.some((c) => c === null || c < 0 || c > 255)) {
    throw new ConfigValueError(`not a valid list of exit codes: ${pyRepr(value)}`);
  }
  return codes as number[];
}

/** `a, b ,c` -> ['a', 'b', 'c']; empty -> []. Empty items are kept, as supervisord keeps them. */
export function parseListOfStrings(value: string): string[] {
  return value === '' ? [] : value.split(',').map((s) => s.trim());
}

const LOG_LEVELS: readonly LogLevel[] = ['critical', 'error', 'warn', 'info', 'debug', 'trace', 'blather'];

export function parseLogLevel(value: string): LogLevel {
  const v = value.toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(v)) throw new ConfigValueError(`bad logging level name ${pyRepr(value)}`);
  return v;
}

/**
 * A process or group name: surrounding whitespace is stripped; space, `:` and `/` are refused
 * (they break the event protocol and URLs). supervisord checks the characters in that order.
 * An empty name is refused too (supervisord accepts `[program:]`).
 */
export function parseName(value: string): string {
  const name = value.trim();
  for (const c of [' ', ':', '/']) {
    if (name.includes(c)) throw new ConfigValueError(`Invalid name: ${pyRepr(value)} because of character: ${pyRepr(c)}`);
  }
  if (name === '') throw new ConfigValueError(`Invalid name: ${pyRepr(value)} because it is empty`);
  return name;
}

/**
 * A log file option before its path is checked: AUTO (the default), NONE/OFF, the deprecated
 * `syslog` (the loader rewrites it to `*_syslog=true` with a warning), or a path.
 */
export type LogFileName = { kind: 'auto' } | { kind: 'none' } | { kind: 'syslog' } | { kind: 'file'; path: string };

export function parseLogFileName(value: string): LogFileName {
  const v = value.toLowerCase();
  if (v === 'none' || v === 'off') return { kind: 'none' };
  if (v === 'auto') return { kind: 'auto' };
  if (v === 'syslog') return { kind: 'syslog' };
  return { kind: 'file', path: value };
}

/** A user name or a numeric uid that exists on this system (name_to_uid). Returns it as written. */
export function parseUser(value: string, accounts: Accounts): string {
  const uid = pyInt(value, 10);
  if (uid !== null) {
    if (!accounts.hasUid(uid)) throw new ConfigValueError(`Invalid user id ${value}`);
  } else if (!accounts.hasUser(value)) {
    throw new ConfigValueError(`Invalid user name ${value}`);
  }
  return value;
}

function checkGroup(value: string, accounts: Accounts): void {
  const gid = pyInt(value, 10);
  if (gid !== null ? !accounts.hasGid(gid) : !accounts.hasGroup(value)) {
    throw new ConfigValueError(`Invalid group ${gid !== null ? 'id' : 'name'} ${value}`);
  }
}

/** `user` or `user:group`, both existing (colon_separated_user_group). Returns it as written. */
export function parseUserGroup(value: string, accounts: Accounts): string {
  const colon = value.indexOf(':');
  try {
    parseUser(colon === -1 ? value : value.slice(0, colon), accounts);
    if (colon !== -1) checkGroup(value.slice(colon + 1), accounts);
  } catch {
    throw new ConfigValueError(`Invalid user:group definition ${value}`);
  }
  return value;
}

/** A TCP port, 1-65535. */
export function parsePort(value: string): number {
  const port = parseInteger(value);
  if (port < 1) throw new ConfigValueError(`${port} is below lower bound (1)`);
  if (port > 0xffff) throw new ConfigValueError(`${port} is above upper bound (65535)`);
  return port;
}

/**
 * `[inet_http_server] port`: `host:port`, split at the last colon. `:9001`, `*:9001` and `9001`
 * all mean every interface, returned as host ''. The host is lower-cased.
 */
export function parseInetAddress(value: string): { host: string; port: number } {
  const colon = value.lastIndexOf(':');
  if (colon === -1) {
    try {
      return { host: '', port: parsePort(value) };
    } catch {
      throw new ConfigValueError(`not a valid port number: ${pyRepr(value)}`);
    }
  }
  const portText = value.slice(colon + 1);
  if (portText === '') throw new ConfigValueError(`no port number specified in ${pyRepr(value)}`);
  const port = parsePort(portText);
  const host = value.slice(0, colon).toLowerCase();
  return { host: host === '*' ? '' : host, port };
}

/** fleetvisor's `[fleet] labels`: `k=v,k2=v2` (common/host.ts parses it). */
export function parseLabels(value: string): Record<string, string> {
  const labels = parseLabelPairs(value);
  if (labels === null) throw new ConfigValueError(`not a valid list of labels (expected key=value,...): ${pyRepr(value)}`);
  return labels;
}

/** fleetvisor's `[fleet] controller`: `host:port`, the host possibly an IPv6 literal in brackets. */
export function parseHostPort(value: string): string {
  const parts = splitHostPort(value);
  if (parts === null || parts.host === '' || parts.port === null) throw new ConfigValueError(`not a host:port address: ${pyRepr(value)}`);
  parsePort(String(parts.port));
  return value;
}

/** A converter whose error message is replaced, as supervisord rewords some converters' errors. */
export function withMessage<T>(convert: (value: string) => T, message: (value: string) => string): (value: string) => T {
  return (value) => {
    try {
      return convert(value);
    } catch (err) {
      if (err instanceof ConfigValueError) throw new ConfigValueError(message(value));
      throw err;
    }
  };
}
