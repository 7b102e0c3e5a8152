/**
 * supervisorctl's command line, parsed the way supervisor.options.ClientOptions does it: getopt
 * flags, then the config file's [supervisorctl] section for what the flags did not set, then the
 * defaults. Errors read as supervisorctl's (`Error: <msg>` and `For help, use fleetctl -h` on
 * stderr, exit 2).
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { pyRepr } from '../common/python-repr.js';
import { getopt, GetoptError } from './getopt.js';
import { readCtlConfig, findCtlConfig, type CtlConfig } from './ctl-config.js';
import { Exit } from './exit-codes.js';
import { parseControllerAddress, type ControllerAddress } from './client/controller-address.js';
import { fleetctlIniPath, iniController, readFleetctlIni, resolveCredentials, type ClusterCredentials, type FleetctlIni } from './cluster/credentials.js';
import { parseLabelSelector, SCOPE_CONFLICT, scopeOf, type ScopeFlags } from './cluster/scope.js';

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
  /** Set in cluster mode (--controller or FLEET_CONTROLLER): fleetctl talks to fleet-controller, not to an agent. */
  cluster: ClusterOptions | null;
}

/** fleetctl's cluster mode, from the flags before the action and the environment. */
export interface ClusterOptions {
  controller: ControllerAddress;
  /** Plaintext or TLS, the token and the CA (cluster/credentials.ts). */
  credentials: ClusterCredentials;
  /** The scope flags given before the action. */
  scope: ScopeFlags;
  /** The host an address without `host/` reaches when no flag says otherwise: FLEET_HOST, else this machine's name. */
  defaultHost: string;
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
  /** This machine's name, the default host in cluster mode (os.hostname by default). */
  hostname?: () => string;
}

const SHORT = 'h?c:is:u:p:r:o:A';
/** supervisorctl's usage text says `--history-file`; its getopt only knows `--history_file`. fleetctl takes both. */
const ALIASES = { 'history-file': 'history_file' };
const LONG = ['help', 'configuration=', 'interactive', 'serverurl=', 'username=', 'password=', 'history_file=', 'output='];
/** Cluster mode's flags: taken only when spelled out, so supervisorctl's abbreviations (`--in`) keep their meaning. */
const CLUSTER_LONG = ['controller=', 'insecure', 'host=', 'hosts=', 'all-hosts', 'token=', 'ca='];

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

/** The cluster flags given before the action, as typed. */
interface ClusterFlags {
  controller?: string;
  insecure?: boolean;
  host?: string;
  hosts?: string;
  allHosts?: boolean;
  token?: string;
  ca?: string;
}

const CLUSTER_TARGET: Record<string, keyof ClusterFlags> = {
  '--controller': 'controller',
  '--insecure': 'insecure',
  '--host': 'host',
  '--hosts': 'hosts',
  '-A': 'allHosts',
  '--all-hosts': 'allHosts',
  '--token': 'token',
  '--ca': 'ca',
};

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

Cluster mode (fleetctl only): act through fleet-controller on many hosts
--controller HOST[:PORT] -- the controller's gRPC address (or FLEET_CONTROLLER; port 7400 if left out)
--token TOKEN -- the API token (or FLEET_TOKEN)
--ca FILE -- the controller's CA certificate, its DATA/pki/ca.crt (or FLEET_CA)
--insecure -- plaintext without authentication, the controller's development mode
     (or FLEET_INSECURE=1)
--host HOST -- the host an address without HOST/ acts on (or FLEET_HOST; default: this machine)
-A/--all-hosts -- act on every host
--hosts KEY=VALUE[,...] -- act on the hosts with these labels
The controller, token and CA can live in [fleetctl] of ~/.config/fleetvisor/fleetctl.ini
($XDG_CONFIG_HOME/fleetvisor/fleetctl.ini), mode 0600: controller = ..., token = ..., ca = ...
Use "${progname} --controller ADDR help" for the cluster commands.

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
  ${progname} --controller ctl:7400 --ca ca.crt --token fvt_... status -A     every host's processes
  ${progname} --controller 127.0.0.1:7400 --insecure status -A     the same, development mode

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
    parsed = getopt(argv, SHORT, LONG, ALIASES, CLUSTER_LONG);
  } catch (err) {
    if (err instanceof GetoptError) return usage(err.message);
    throw err;
  }

  const flags: Partial<Settable> = {};
  const clusterFlags: ClusterFlags = {};
  for (const [opt, value] of parsed.opts) {
    if (opt === '-h' || opt === '-?' || opt === '--help') {
      return { kind: 'exit', code: Exit.SUCCESS, stdout: usageText(ctx.progname), stderr: '' };
    }
    const clusterTarget = CLUSTER_TARGET[opt];
    if (clusterTarget !== undefined) {
      if (clusterFlags[clusterTarget] !== undefined) return usage(`conflicting command line option ${pyRepr(opt)}`);
      (clusterFlags as Record<string, unknown>)[clusterTarget] = clusterTarget === 'insecure' || clusterTarget === 'allHosts' ? true : value;
      continue;
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

  const cluster = clusterOptions(clusterFlags, flags, ctx);
  if (cluster instanceof Error) return usage(cluster.message);
  if (cluster !== null) {
    return {
      kind: 'run',
      options: {
        configFile: null,
        serverurl: 'http://localhost:9001',
        username: null,
        password: null,
        prompt: 'fleet',
        historyFile: flags.historyFile ?? null,
        interactive: parsed.args.length === 0 || flags.interactive === true,
        output: flags.output ?? 'text',
        args: parsed.args,
        cluster,
      },
    };
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
      cluster: null,
    },
  };
}

/**
 * Cluster mode or not, and its settings. `--controller` selects it; so do FLEET_CONTROLLER and
 * a controller in fleetctl.ini, unless -c or -s point at a local agent. The credentials (token,
 * CA, --insecure) come from cluster/credentials.ts.
 */
function clusterOptions(cf: ClusterFlags, flags: Partial<Settable>, ctx: ParseContext): ClusterOptions | Error | null {
  const local = flags.configFile !== undefined || flags.serverurl !== undefined;
  if (cf.controller !== undefined && local) {
    return new Error('--controller talks to fleet-controller, -c and -s to a local agent: give one or the other');
  }
  const envController = ctx.env.FLEET_CONTROLLER;
  let named: { text: string; where: string } | null =
    cf.controller !== undefined ? { text: cf.controller, where: '--controller' } : !local && envController ? { text: envController, where: 'FLEET_CONTROLLER' } : null;
  // fleetctl.ini is read only when it can matter: cluster mode chosen, or no local agent named.
  let ini: FleetctlIni | null = null;
  if (named !== null || !local) {
    const read = readFleetctlIni(fleetctlIniPath(ctx));
    if (read instanceof Error) return read;
    ini = read;
    if (named === null && !local) named = iniController(ini);
  }
  if (named === null) {
    const given = Object.entries(CLUSTER_TARGET).find(([, key]) => cf[key] !== undefined)?.[0];
    if (given === undefined) return null;
    return new Error(`${given} needs the controller: give --controller HOST:PORT (or set FLEET_CONTROLLER)`);
  }
  const controller = parseControllerAddress(named.text);
  if (controller instanceof Error) return new Error(`${named.where}: ${controller.message}`);
  const credentials = resolveCredentials({ token: cf.token, ca: cf.ca, insecure: cf.insecure }, ini, ctx);
  if (credentials instanceof Error) return credentials;
  const scope: ScopeFlags = {};
  if (cf.host !== undefined) scope.host = cf.host;
  if (cf.allHosts) scope.allHosts = true;
  if (cf.hosts !== undefined) {
    const labels = parseLabelSelector(cf.hosts);
    if (labels instanceof Error) return new Error(`--hosts: ${labels.message}`);
    scope.labels = labels;
  }
  if (scope.host === '') return new Error('--host: give a host name');
  if (scopeOf(scope, '') instanceof Error) return new Error(SCOPE_CONFLICT);
  const defaultHost = ctx.env.FLEET_HOST || (ctx.hostname ?? hostname)();
  return { controller, credentials, scope, defaultHost };
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
