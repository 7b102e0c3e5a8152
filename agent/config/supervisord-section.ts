import { tmpdir } from 'node:os';
import { parseEnvironment } from './environment.js';
import { existingDirectory, existingDirpath, normalizePath, type PathContext } from './paths.js';
import { SectionReader, type LoadContext } from './section-reader.js';
import type { SupervisordOverrides, SupervisordSettings } from './types.js';
import { parseBoolean, parseByteSize, parseInteger, parseLogLevel, parseOctal, parseUser } from './values.js';
import { ConfigValueError } from './errors.js';

const KNOWN_KEYS: ReadonlySet<string> = new Set([
  'logfile', 'logfile_maxbytes', 'logfile_backups', 'loglevel', 'pidfile', 'umask', 'nodaemon', 'silent',
  'minfds', 'minprocs', 'nocleanup', 'childlogdir', 'user', 'directory', 'strip_ansi', 'environment', 'identifier',
]);

/** The activity log may be `syslog`, which is not a path (supervisord compares it exactly). */
function logfilePath(value: string, ctx: PathContext): string {
  return value === 'syslog' ? value : existingDirpath(value, ctx);
}

/**
 * [supervisord] with every default of reference 1.4. Its `environment=` keys become ENV_X
 * names for every section read after it, as in supervisord 4.2.2+.
 */
export function readSupervisord(ctx: LoadContext): SupervisordSettings {
  const section = ctx.doc.sections.get('supervisord');
  const defaults: SupervisordSettings = {
    logfile: normalizePath('supervisord.log', ctx),
    logfileMaxbytes: 50 * 1024 * 1024,
    logfileBackups: 10,
    loglevel: 'info',
    pidfile: normalizePath('supervisord.pid', ctx),
    umask: 0o22,
    nodaemon: false,
    silent: false,
    minfds: 1024,
    minprocs: 200,
    nocleanup: false,
    childlogdir: tmpdir(),
    user: null,
    directory: null,
    stripAnsi: false,
    environment: null,
    identifier: 'supervisor',
  };
  if (!section) return defaults;

  const r = new SectionReader(ctx, section, new Map(ctx.envNames));
  r.warnUnknownKeys(KNOWN_KEYS);
  const path = (value: string) => existingDirpath(value, ctx);
  const directory = (value: string) => existingDirectory(value, ctx);
  // environment= may also use host_node_name; it is expanded once (supervisord expands it twice).
  const environment = r.read('environment', null, parseEnvironment, {
    names: new Map([...ctx.envNames, ['host_node_name', ctx.hostname]]),
  });
  const settings: SupervisordSettings = {
    logfile: r.read('logfile', defaults.logfile, (v) => logfilePath(v, ctx)),
    logfileMaxbytes: r.read('logfile_maxbytes', defaults.logfileMaxbytes, parseByteSize),
    logfileBackups: r.read('logfile_backups', defaults.logfileBackups, parseInteger),
    loglevel: r.read('loglevel', defaults.loglevel, parseLogLevel),
    pidfile: r.read('pidfile', defaults.pidfile, path),
    umask: r.read('umask', defaults.umask, parseOctal),
    nodaemon: r.read('nodaemon', defaults.nodaemon, parseBoolean),
    silent: r.read('silent', defaults.silent, parseBoolean),
    minfds: r.read('minfds', defaults.minfds, parseInteger),
    minprocs: r.read('minprocs', defaults.minprocs, parseInteger),
    nocleanup: r.read('nocleanup', defaults.nocleanup, parseBoolean),
    childlogdir: r.read('childlogdir', defaults.childlogdir, directory),
    user: r.read('user', null, (v) => parseUser(v, ctx.accounts)),
    directory: r.read('directory', null, directory),
    stripAnsi: r.read('strip_ansi', defaults.stripAnsi, parseBoolean),
    environment,
    identifier: r.read('identifier', defaults.identifier, (v) => v),
  };
  for (const [k, v] of Object.entries(environment ?? {})) ctx.envNames.set(`ENV_${k}`, v);
  return settings;
}

/** Where a command-line problem is reported: there is no file or line to point at. */
export const COMMAND_LINE = '<command line>';

/**
 * Applies fleet-agent's command-line values over the file (reference 1.4: "Command-line values
 * override the file"). Paths and the user are checked as the file's values are.
 */
export function applyOverrides(ctx: LoadContext, settings: SupervisordSettings, overrides: SupervisordOverrides): SupervisordSettings {
  const out = { ...settings };
  const check = <T>(key: string, fallback: T, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof ConfigValueError)) throw err;
      ctx.diags.error({ file: COMMAND_LINE, line: 0, key }, err.message);
      return fallback;
    }
  };
  const { logfile, pidfile, childlogdir, directory, user, ...plain } = overrides;
  if (logfile !== undefined) out.logfile = check('logfile', out.logfile, () => logfilePath(logfile, ctx));
  if (pidfile !== undefined) out.pidfile = check('pidfile', out.pidfile, () => existingDirpath(pidfile, ctx));
  if (childlogdir !== undefined) out.childlogdir = check('childlogdir', out.childlogdir, () => existingDirectory(childlogdir, ctx));
  if (directory !== undefined) out.directory = check('directory', out.directory, () => existingDirectory(directory, ctx));
  if (user !== undefined) out.user = check('user', out.user, () => parseUser(user, ctx.accounts));
  for (const [key, value] of Object.entries(plain)) {
    if (value !== undefined) Object.assign(out, { [key]: value });
  }
  return out;
}
