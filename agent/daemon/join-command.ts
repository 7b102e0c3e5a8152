/**
 * `fleet-agent join`: enrolls this host with fleet-controller once, by hand. The host name and
 * state_dir come from the config file's [fleet] section (found as fleet-agent finds it); the
 * controller, the join token and the CA fingerprint from the flags, else from [fleet]
 * controller, join_token and ca_fingerprint. On success agent.key, agent.crt and ca.crt are in
 * state_dir and the agent's link uses them from its next start (or next connection).
 *
 * Exit codes: 0 joined; 1 the controller could not be reached or refused; 2 usage or config
 * errors.
 */
import { Command } from 'commander';
import { parseCommandLine, usageError } from '../../common/command-line.js';
import { parseFingerprint } from '../../common/controller-tls.js';
import { splitHostPort } from '../../common/host-port.js';
import type { Config } from '../config/types.js';

export const JOIN_EXAMPLES = `
Examples:
  fleet-agent join --controller ctl.internal:7400 --token fvt_... --ca-fingerprint sha256:3f9a...
  fleet-agent join -c /etc/supervisor/supervisord.conf      # controller, join_token, ca_fingerprint from [fleet]

The token is a join token (fleetctl token create --role join --ttl 1h); the fingerprint is the
one fleet-controller prints at start (fleet-controller ca-fingerprint --data DIR prints it again).
The agent checks the controller by that fingerprint before it sends anything.`;

export interface JoinArgs {
  configFile: string | null;
  controller: string | null;
  token: string | null;
  caFingerprint: string | null;
}

export type JoinArgsOutcome = { kind: 'join'; args: JoinArgs } | { kind: 'exit'; code: number; stdout: string; stderr: string };

/** Parses `fleet-agent join`'s flags (after the word `join`). */
export function parseJoinArgs(argv: string[], prog = 'fleet-agent'): JoinArgsOutcome {
  const program = new Command(`${prog} join`)
    .description('Enroll this host with fleet-controller: a key pair, a certificate signed by the controller\'s CA, stored in [fleet] state_dir.')
    .helpOption('-h, --help', 'print this usage message and exit')
    .option('-c, --configuration <file>', 'configuration file path (searches as fleet-agent does if not given)')
    .option('--controller <addr>', 'fleet-controller\'s host:port (default: [fleet] controller)')
    .option('--token <token>', 'a join token (default: [fleet] join_token)')
    .option('--ca-fingerprint <sha256>', 'the controller CA\'s fingerprint, sha256:... (default: [fleet] ca_fingerprint)')
    .addHelpText('after', JOIN_EXAMPLES)
    .allowExcessArguments(false);
  const helpHint = `${prog} join -h`;
  const line = parseCommandLine(program, argv, helpHint);
  if (line.kind === 'exit') return { kind: 'exit', ...line.exit };
  const usage = (message: string): JoinArgsOutcome => ({ kind: 'exit', ...usageError(message, helpHint) });
  const o = program.opts<{ configuration?: string; controller?: string; token?: string; caFingerprint?: string }>();
  let caFingerprint: string | null = null;
  if (o.caFingerprint !== undefined) {
    const parsed = parseFingerprint(o.caFingerprint);
    if (parsed instanceof Error) return usage(`--ca-fingerprint: ${parsed.message}`);
    caFingerprint = parsed;
  }
  if (o.controller !== undefined) {
    const parts = splitHostPort(o.controller);
    if (parts === null || parts.host === '' || parts.port === null) return usage(`--controller: not a host:port address: ${JSON.stringify(o.controller)}`);
  }
  if (o.token !== undefined && o.token.trim() === '') return usage('--token is empty');
  return {
    kind: 'join',
    args: { configFile: o.configuration ?? null, controller: o.controller ?? null, token: o.token?.trim() ?? null, caFingerprint },
  };
}

export interface JoinPlan {
  controller: string;
  token: string;
  caFingerprint: string;
  host: string;
  stateDir: string;
}

/** The flags over the config's [fleet] settings; an Error names what is missing and where to give it. */
export function planJoin(args: JoinArgs, config: Config): JoinPlan | Error {
  const { fleet } = config;
  const controller = args.controller ?? fleet.controller;
  const token = args.token ?? fleet.joinToken;
  const caFingerprint = args.caFingerprint ?? fleet.caFingerprint;
  const missing = [
    controller === null ? '--controller (or [fleet] controller)' : null,
    token === null ? '--token (or [fleet] join_token)' : null,
    caFingerprint === null ? '--ca-fingerprint (or [fleet] ca_fingerprint)' : null,
  ].filter((m) => m !== null);
  if (missing.length > 0) return new Error(`join needs ${missing.join(', ')}`);
  return { controller: controller!, token: token!, caFingerprint: caFingerprint!, host: fleet.host, stateDir: fleet.stateDir };
}
