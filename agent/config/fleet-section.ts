import { join } from 'node:path';
import { parseFingerprint } from '../../common/controller-tls.js';
import { ConfigValueError } from './errors.js';
import { normalizePath } from './paths.js';
import { SectionReader, type LoadContext } from './section-reader.js';
import type { FleetSettings } from './types.js';
import { parseBoolean, parseByteSize, parseHostPort, parseLabels, parseName } from './values.js';

const KNOWN_KEYS: ReadonlySet<string> = new Set(['host', 'labels', 'controller', 'insecure', 'state_dir', 'spool_max_bytes', 'join_token', 'ca_fingerprint']);

/** The spool's bound when [fleet] does not give one. */
export const DEFAULT_SPOOL_MAX_BYTES = 64 * 1024 * 1024;
/** The smallest spool_max_bytes: room for a few segments of a few hundred events each. */
export const MIN_SPOOL_MAX_BYTES = 64 * 1024;

/** spool_max_bytes: a byte size (`64MB`), at least MIN_SPOOL_MAX_BYTES. */
function parseSpoolSize(value: string): number {
  const bytes = parseByteSize(value);
  if (bytes < MIN_SPOOL_MAX_BYTES) throw new ConfigValueError(`spool_max_bytes must be at least 64KB, got ${value}`);
  return bytes;
}

/**
 * Where the agent keeps its spool, pid records and credentials when [fleet] does not say:
 * /var/lib/fleetvisor for root, else the XDG state directory of the user.
 */
export function defaultStateDir(ctx: LoadContext): string {
  if (process.getuid?.() === 0) return '/var/lib/fleetvisor';
  const xdg = ctx.env.XDG_STATE_HOME;
  return join(xdg ? xdg : join(ctx.home, '.local', 'state'), 'fleetvisor');
}

/** ca_fingerprint: `sha256:` and 64 hex digits, as fleet-controller prints it. */
function parseCaFingerprint(value: string): string {
  const fingerprint = parseFingerprint(value);
  if (fingerprint instanceof Error) throw new ConfigValueError(fingerprint.message);
  return fingerprint;
}

/** fleetvisor's own [fleet] section (DESIGN.md); supervisord ignores it. */
export function readFleet(ctx: LoadContext): FleetSettings {
  const settings: FleetSettings = {
    host: ctx.hostname,
    labels: {},
    controller: null,
    insecure: false,
    stateDir: defaultStateDir(ctx),
    spoolMaxBytes: DEFAULT_SPOOL_MAX_BYTES,
    joinToken: null,
    caFingerprint: null,
  };
  const section = ctx.doc.sections.get('fleet');
  if (!section) return settings;
  const r = new SectionReader(ctx, section, new Map([...ctx.envNames, ['host_node_name', ctx.hostname]]));
  r.warnUnknownKeys(KNOWN_KEYS);
  // The host is the first part of an address (`host/group:process`), so it follows the name rules.
  settings.host = r.read('host', settings.host, parseName);
  settings.labels = r.read('labels', settings.labels, parseLabels);
  const controller = r.text('controller')?.trim();
  if (controller) settings.controller = r.convert('controller', controller, null, parseHostPort);
  settings.insecure = r.read('insecure', settings.insecure, parseBoolean);
  settings.stateDir = r.read('state_dir', settings.stateDir, (v) => normalizePath(v, ctx));
  settings.spoolMaxBytes = r.read('spool_max_bytes', settings.spoolMaxBytes, parseSpoolSize);
  // Enrollment on start, when state_dir has no certificate yet (fleet-agent join does the same by hand).
  settings.joinToken = r.read('join_token', settings.joinToken, (v) => v.trim() || null);
  settings.caFingerprint = r.read('ca_fingerprint', settings.caFingerprint, parseCaFingerprint);
  if ((settings.joinToken === null) !== (settings.caFingerprint === null)) {
    const [set, missing] = settings.joinToken !== null ? ['join_token', 'ca_fingerprint'] : ['ca_fingerprint', 'join_token'];
    r.error(set, `${set} needs ${missing} too: the agent enrolls with a join token and checks the controller by its CA fingerprint`);
  }
  return settings;
}
