import { homedir, hostname as osHostname } from 'node:os';
import { resolve } from 'node:path';
import { systemAccounts } from './accounts.js';
import { Diagnostics } from './diagnostics.js';
import { readFleet } from './fleet-section.js';
import { readGroups } from './groups.js';
import { readConfigFiles } from './include.js';
import { createIniDocument } from '../../common/ini.js';
import type { LoadContext } from './section-reader.js';
import { checkRpcInterface, readInetHttpServer, readSupervisorctl, readUnixHttpServer } from './servers-section.js';
import { applyOverrides, COMMAND_LINE, readSupervisord } from './supervisord-section.js';
import type { ConfigDiagnostic, ConfigResult, LoadOptions } from './types.js';

export { formatDiagnostic } from './diagnostics.js';
export { configSearchPaths, findConfigFile } from './find.js';

const KNOWN_SECTIONS: ReadonlySet<string> = new Set([
  'supervisord', 'supervisorctl', 'include', 'fleet', 'unix_http_server', 'inet_http_server',
]);
const KNOWN_PREFIXES = ['program:', 'group:', 'fcgi-program:', 'eventlistener:', 'rpcinterface:'];

/**
 * Reads a supervisord.conf (and its includes) into a typed Config with every default applied
 * (reference section 1), or into the list of every error found. Each diagnostic carries the
 * file, line, section and key it is about; warnings (unknown keys and sections, deprecated or
 * doubtful settings) come with either result. Synchronous: it runs once at start and on reload.
 */
export function loadConfig(path: string, options: LoadOptions = {}): ConfigResult {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const envNames = new Map<string, string>();
  for (const [k, v] of Object.entries(env)) if (v !== undefined) envNames.set(`ENV_${k}`, v);
  const ctx: LoadContext = {
    doc: createIniDocument(),
    diags: new Diagnostics(),
    accounts: systemAccounts(),
    hostname: options.hostname ?? osHostname(),
    env,
    envNames,
    cwd,
    home: env.HOME || homedir(),
  };
  const file = resolve(cwd, path);
  const files = readConfigFiles(ctx, file);
  if (files.length === 0) return { ok: false, errors: ctx.diags.errors, warnings: ctx.diags.warnings };

  if (!ctx.doc.sections.has('supervisord')) ctx.diags.error({ file, line: 0 }, '.ini file does not include supervisord section');
  warnUnknownSections(ctx);
  let supervisord = readSupervisord(ctx);
  for (const name of ctx.doc.sections.keys()) if (name.startsWith('rpcinterface:')) checkRpcInterface(ctx, name);
  const groups = readGroups(ctx);
  const unixHttpServer = readUnixHttpServer(ctx);
  const inetHttpServer = readInetHttpServer(ctx);
  const supervisorctl = readSupervisorctl(ctx);
  const fleet = readFleet(ctx);
  if (options.overrides) supervisord = applyOverrides(ctx, supervisord, options.overrides);

  const errors = inReadingOrder(ctx.diags.errors, files);
  const warnings = inReadingOrder(ctx.diags.warnings, files);
  if (errors.length > 0) return { ok: false, errors, warnings };
  return {
    ok: true,
    config: { file, files, supervisord, unixHttpServer, inetHttpServer, supervisorctl, fleet, groups },
    warnings,
  };
}

function warnUnknownSections(ctx: LoadContext): void {
  for (const section of ctx.doc.sections.values()) {
    const { name } = section;
    if (KNOWN_SECTIONS.has(name) || KNOWN_PREFIXES.some((p) => name.startsWith(p))) continue;
    let message = 'unknown section, ignored';
    if (name.startsWith('unix_http_server') || name.startsWith('inet_http_server')) {
      message = 'fleetvisor serves one [unix_http_server] and one [inet_http_server]; this extra server is ignored';
    } else if (name.startsWith('ctlplugin:')) {
      message = 'supervisorctl plugins are not supported; this section is ignored';
    }
    ctx.diags.warn({ file: section.file, line: section.line, section: name }, message);
  }
}

/** Diagnostics by file (in the order the files were read), then line; command-line ones last. */
function inReadingOrder(list: ConfigDiagnostic[], files: string[]): ConfigDiagnostic[] {
  const rank = (d: ConfigDiagnostic) => {
    const index = files.indexOf(d.file);
    return index === -1 || d.file === COMMAND_LINE ? files.length : index;
  };
  return [...list].sort((a, b) => rank(a) - rank(b) || a.line - b.line);
}
