import { Command } from 'commander';
import { parseCommandLine, usageError } from '../../common/command-line.js';
import type { SupervisordOverrides } from '../config/types.js';
import { parseByteSize, parseInteger, parseLogLevel, parseOctal } from '../config/values.js';

/** What fleet-agent's command line asks for, before the config file is read. */
export interface AgentOptions {
  configFile: string | null;
  check: boolean;
  version: boolean;
  overrides: SupervisordOverrides;
}

export type ParseOutcome =
  | { kind: 'run'; options: AgentOptions }
  | { kind: 'exit'; code: number; stdout: string; stderr: string };

export const USAGE_EXAMPLES = `
Examples:
  fleet-agent -c /etc/supervisor/supervisord.conf      run daemonized, like supervisord
  fleet-agent -n -c supervisord.conf                   run in the foreground
  fleet-agent --check -c supervisord.conf              validate and list what would run
  fleet-agent -n -e debug -l /dev/stdout -y 0 -c x.conf  log everything to the terminal
  fleet-agent join --controller ctl:7400 --token T --ca-fingerprint sha256:...
                                                       enroll with fleet-controller (see fleet-agent join -h)

Signals: TERM/INT/QUIT shut down, HUP reloads the configuration, USR2 reopens the logs.`;

/**
 * Parses supervisord's flags (same letters, same meaning) plus fleetvisor's --check. Errors come
 * back as supervisord prints them: `Error: <msg>` and `For help, use <prog> -h`, exit 2. Values
 * go through the config file's converters, so each rule has one home.
 */
export function parseAgentArgs(argv: string[], prog = 'fleet-agent'): ParseOutcome {
  const helpHint = `${prog} -h`;
  const program = new Command(prog)
    .description('fleet-agent: a drop-in supervisord. Reads supervisord.conf and supervises its programs.')
    .helpOption('-h, --help', 'print this usage message and exit')
    .option('-c, --configuration <file>', 'configuration file path (searches if not given)')
    .option('-n, --nodaemon', "run in the foreground (same as 'nodaemon=true' in config file)")
    .option('-s, --silent', "no logs to stdout (maps to 'silent=true' in config file)")
    .option('-v, --version', 'print the version number and exit')
    .option('-u, --user <user>', 'run as this user (or numeric uid)')
    .option('-m, --umask <umask>', 'use this umask for the daemon process (default is 022)')
    .option('-d, --directory <dir>', 'directory to chdir to when daemonized')
    .option('-l, --logfile <file>', 'use FILE as the activity log path')
    .option('-y, --logfile_maxbytes <bytes>', 'limit the activity log to BYTES before rotating')
    .option('-z, --logfile_backups <num>', 'number of rotated activity logs to keep')
    .option('-e, --loglevel <level>', 'log level: critical, error, warn, info, debug, trace, blather')
    .option('-j, --pidfile <file>', 'write a pid file for the daemon process to FILE')
    .option('-i, --identifier <str>', 'identifier used for this instance')
    .option('-q, --childlogdir <dir>', 'the log directory for child process logs')
    .option('-k, --nocleanup', 'keep old automatic child log files at startup')
    .option('-a, --minfds <num>', 'the minimum number of file descriptors for start success')
    .option('-t, --strip_ansi', 'strip ANSI escape codes from process output')
    .option('--minprocs <num>', 'the minimum number of processes available for start success')
    .option('--check', 'validate the configuration, print what would run, and exit (0 valid, 2 invalid)')
    .addHelpText('after', USAGE_EXAMPLES)
    .allowExcessArguments(false);
  const line = parseCommandLine(program, argv, helpHint);
  if (line.kind === 'exit') return { kind: 'exit', ...line.exit };
  const o = program.opts<Record<string, string | boolean | undefined>>();
  const problems: string[] = [];
  /** Converts with the config file's converter; a failure reads as supervisord's `invalid value for -y '1TB': ...`. */
  const convert = <T>(flag: string, value: unknown, parse: (v: string) => T): T | undefined => {
    if (value === undefined) return undefined;
    try {
      return parse(String(value));
    } catch (err) {
      problems.push(`invalid value for ${flag} '${String(value)}': ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  };
  const overrides: SupervisordOverrides = {};
  const set = <K extends keyof SupervisordOverrides>(key: K, value: SupervisordOverrides[K] | undefined) => {
    if (value !== undefined) overrides[key] = value;
  };
  set('nodaemon', o.nodaemon === true ? true : undefined);
  set('silent', o.silent === true ? true : undefined);
  set('user', o.user as string | undefined);
  set('umask', convert('-m', o.umask, parseOctal));
  set('directory', o.directory as string | undefined);
  set('logfile', o.logfile as string | undefined);
  set('logfileMaxbytes', convert('-y', o.logfile_maxbytes, parseByteSize));
  set('logfileBackups', convert('-z', o.logfile_backups, parseInteger));
  set('loglevel', convert('-e', o.loglevel, parseLogLevel));
  set('pidfile', o.pidfile as string | undefined);
  set('identifier', o.identifier as string | undefined);
  set('childlogdir', o.childlogdir as string | undefined);
  set('nocleanup', o.nocleanup === true ? true : undefined);
  set('minfds', convert('-a', o.minfds, parseInteger));
  set('minprocs', convert('--minprocs', o.minprocs, parseInteger));
  set('stripAnsi', o.strip_ansi === true ? true : undefined);
  if (problems.length > 0) {
    return { kind: 'exit', ...usageError(problems, helpHint) };
  }
  return {
    kind: 'run',
    options: {
      configFile: (o.configuration as string | undefined) ?? null,
      check: o.check === true,
      version: o.version === true,
      overrides,
    },
  };
}
