/**
 * supervisorctl's command line, parsed the way supervisor.options.ClientOptions does it: getopt
 * flags, then the config file's [supervisorctl] section for what the flags did not set, then the
 * defaults. Errors read as supervisorctl's (`Error: <msg>` and `For help, use fleetctl -h` on
 * stderr, exit 2).
 */
import { resolve } from 'node:path';
import { pyRepr } from '../common/python-repr.js';
import { getopt, GetoptError } from './getopt.js';
import { readCtlConfig, findCtlConfig, type CtlConfig } from './ctl-config.js';
import { Exit } from './exit-codes.js';

export type OutputFormat = 'text' | 'json';

/** Everything fleetctl needs before it runs a command. */
export interface CtlOptions {
  /** The config file read, or null when none was given or found. */
  configFile: string | null;
  serverurl: string;
  username: string | null;
  password: string | null;
  prompt: string;
  historyFile: string | null;
  /** -i: ask before shutdown/reload and for credentials. Always true for the shell. */
  interactive: boolean;
  /** -o: fleetctl's machine-readable output for status, avail, pid and reread. */
  output: OutputFormat;
  /** The action and its arguments; empty for the shell. */
  args: string[];
}

export type ParseOutcome =
  | { kind: 'run'; options: CtlOptions }
  | { kind: 'exit'; code: number; stdout: string; stderr: string };

export interface ParseContext {
  progname: string;
  cwd: string;
  /** The directory of the fleetctl executable (the config search starts one level above it). */
  exeDir: string;
  env: Record<string, string | undefined>;
  home: string;
  /** For tests: which config search paths exist (fs.existsSync by default). */
  exists?: (path: string) => boolean;
}

const SHORT = 'h?c:is:u:p:r:o:';
/** supervisorctl's usage text says `--history-file`; its getopt only knows `--history_file`. fleetctl takes both. */
const ALIASES = { 'history-file': 'history_file' };
const LONG = ['help', 'configuration=', 'interactive', 'serverurl=', 'username=', 'password=', 'history_file=', 'output='];

/** Which setting each flag fills; `-h` and `-?` are handled apart. */
const FLAG_TARGET: Record<string, keyof Settable> = {
  '-c': 'configFile',
  '--configuration': 'configFile',
  '-i': 'interactive',
  '--interactive': 'interactive',
  '-s': 'serverurl',
  '--serverurl': 'serverurl',
  '-u': 'username',
  '--username': 'username',
  '-p': 'password',
  '--password': 'password',
  '-r': 'historyFile',
  '--history_file': 'historyFile',
  '-o': 'output',
  '--output': 'output',
};

interface Settable {
  configFile: string;
  interactive: boolean;
  serverurl: string;
  username: string;
  password: string;
  historyFile: string;
  output: OutputFormat;
}

export function usageText(progname: string): string {
  return `${progname} -- control applications run by fleet-agent (or supervisord) from the cmd line.

Usage: ${progname} [options] [action [arguments]]

Options:
-c/--configuration FILENAME -- configuration file path (searches if not given)
-h/--help -- print usage message and exit
-i/--interactive -- ask before shutdown and reload, and for a username and password
     when the server requires them (the shell does this always)
-s/--serverurl URL -- URL on which the agent (or supervisord) is listening
     (default "http://localhost:9001").
-u/--username USERNAME -- username to use for authentication with server
-p/--password PASSWORD -- password to use for authentication with server
-r/--history-file FILE -- keep a readline history of the shell in FILE
-o/--output json -- (fleetctl) print status, avail, pid and reread as JSON

action [arguments] -- see below

Actions are commands like "tail" or "stop".  If no action is specified on the
command line, a "shell" interpreting actions typed interactively is started.
Use the action "help" to find out about available actions.

Examples:
  ${progname} status                      every process, as supervisorctl prints it
  ${progname} -c /etc/supervisor/supervisord.conf restart 'web:*'
  ${progname} -s unix:///run/fleet.sock tail -f worker stderr
  ${progname} status -o json              the same, as one JSON document for scripts
  ${progname} help json                   the JSON shapes

`;
}

export function parseCtlArgs(argv: readonly string[], ctx: ParseContext): ParseOutcome {
  const usage = (message: string): ParseOutcome => ({
    kind: 'exit',
    code: Exit.INVALID_ARGS,
    stdout: '',
    stderr: `Error: ${message}\nFor help, use ${ctx.progname} -h\n`,
  });

  let parsed;
  try {
    parsed = getopt(argv, SHORT, LONG, ALIASES);
  } catch (err) {
    if (err instanceof GetoptError) return usage(err.message);
    throw err;
  }

  const flags: Partial<Settable> = {};
  for (const [opt, value] of parsed.opts) {
    if (opt === '-h' || opt === '-?' || opt === '--help') {
      return { kind: 'exit', code: Exit.SUCCESS, stdout: usageText(ctx.progname), stderr: '' };
    }
    const target = FLAG_TARGET[opt]!;
    let converted: Settable[typeof target];
    if (target === 'interactive') {
      converted = true;
    } else if (target === 'serverurl') {
      if (!isUrl(value)) return usage(`invalid value for ${opt} ${pyRepr(value)}: value ${pyRepr(value)} is not a URL`);
      converted = value;
    } else if (target === 'output') {
      if (value !== 'json' && value !== 'text') return usage(`invalid value for ${opt} ${pyRepr(value)}: use json or text`);
      converted = value;
    } else {
      converted = value;
    }
    if (flags[target] !== undefined) return usage(`conflicting command line option ${pyRepr(opt)}`);
    (flags as Record<string, unknown>)[target] = converted;
  }

  let configFile: string | null = flags.configFile ?? null;
  let config: CtlConfig | null = null;
  if (configFile === null) configFile = findCtlConfig(ctx);
  if (configFile !== null) {
    const read = readCtlConfig(configFile, ctx);
    if (!read.ok) return usage(read.message);
    config = read.config;
  }

  return {
    kind: 'run',
    options: {
      configFile: configFile === null ? null : resolve(ctx.cwd, configFile),
      serverurl: flags.serverurl ?? config?.serverurl ?? 'http://localhost:9001',
      username: flags.username ?? config?.username ?? null,
      password: flags.password ?? config?.password ?? null,
      prompt: config?.prompt ?? 'supervisor',
      historyFile: flags.historyFile ?? config?.historyFile ?? null,
      interactive: parsed.args.length === 0 || flags.interactive === true,
      output: flags.output ?? 'text',
      args: parsed.args,
    },
  };
}

/**
 * supervisor.datatypes.url: urlparse finds a scheme, and a netloc or a path after it.
 * `unix:///tmp/s.sock` and `http://host:9001` pass; `foo` and `http:` do not.
 */
export function isUrl(value: string): boolean {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/su.exec(value);
  if (!m) return false;
  let rest = m[2]!.replace(/[?#].*$/su, '');
  let netloc = '';
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/]/);
    netloc = end === -1 ? rest.slice(2) : rest.slice(2, end + 2);
    rest = end === -1 ? '' : rest.slice(end + 2);
  }
  return netloc !== '' || rest !== '';
}
