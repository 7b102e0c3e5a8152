/**
 * Runs cluster commands: finds the command by its first word, splits the rest into flags and
 * positional words, works out the output format and the host scope, runs it, and turns what
 * it throws into a message and an exit code:
 *
 *   UsageError, a bad -o or scope          `Error: ...` on stderr, exit 2
 *   controller unreachable                 what failed and what to check, exit 4
 *   credentials refused (UNAUTHENTICATED, PERMISSION_DENIED)   the controller's words, exit 4
 *   BAD_ADDRESS, INCORRECT_PARAMETERS...   the controller's message, exit 2
 *   any other fault of a whole call        `fleetctl: ERROR (CODE: message)`, exit 1
 *
 * Commands of the local mode that have no cluster form say what to use instead.
 */
import { isFleetError, type FleetError } from '../../common/errors.js';
import type { LineOutcome } from '../controller.js';
import { Exit } from '../exit-codes.js';
import { pySplit, type Writer } from '../io.js';
import type { OutputFormat } from '../options.js';
import type { ClusterSession } from './cluster-session.js';
import { UsageError, type ClusterCommand, type ClusterContext, type CommandArgs } from './commands/command.js';
import { findClusterCommand } from './commands/index.js';
import { COMMON_FLAGS, parseWords } from './flags.js';
import { parseLabelSelector, type ScopeFlags } from './scope.js';

/** Local-mode commands without a cluster form, and what to use instead. */
const LOCAL_ONLY: Readonly<Record<string, string>> = {
  tail: 'logs ADDR [-f] [--stderr]',
  maintail: 'history and events for what happened on the hosts',
  fg: 'logs ADDR -f to watch a process',
  avail: 'status, or reread to see configuration changes',
  pid: 'status -o json (it has every pid)',
  clear: '',
  add: 'update GROUP',
  remove: 'update GROUP',
  open: '--controller ADDR on the command line',
  reload: '',
  shutdown: '',
  version: '',
};

export interface ClusterRunnerOptions {
  now?: () => number;
  /** Whether stdout is a terminal. */
  tty?: boolean;
}

export class ClusterRunner {
  private running: { command: ClusterCommand; abort: AbortController } | null = null;
  private readonly now: () => number;
  private readonly tty: boolean;

  constructor(
    readonly session: ClusterSession,
    readonly io: Writer,
    options: ClusterRunnerOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.tty = options.tty ?? false;
  }

  /** A line typed at the shell. */
  onecmd(line: string): Promise<LineOutcome> {
    const words = pySplit(line.startsWith('?') ? `help ${line.slice(1)}` : line);
    return this.runWords(words);
  }

  /** One command given as words (a one-shot fleetctl's argv after the global flags). */
  async runWords(words: readonly string[]): Promise<LineOutcome> {
    if (words.length === 0) return { code: Exit.SUCCESS, endsShell: false };
    const [name, ...rest] = words as [string, ...string[]];
    const command = await findClusterCommand(name);
    if (!command) return { code: this.unknown(name), endsShell: false };
    const abort = new AbortController();
    this.running = { command, abort };
    try {
      const ctx: ClusterContext = { io: this.io, session: this.session, signal: abort.signal, now: this.now, tty: this.tty };
      const code = await command.run(ctx, this.argsFor(command, rest));
      return { code, endsShell: command.endsShell === true };
    } catch (err) {
      if (err instanceof UsageError) return { code: this.usage(command.name, err.message), endsShell: false };
      if (abort.signal.aborted) return { code: Exit.GENERIC, endsShell: false };
      if (isFleetError(err)) return { code: this.callFailed(err), endsShell: false };
      throw err;
    } finally {
      this.running = null;
    }
  }

  /** Ctrl-C: true when the running command stops at it (the shell goes on), false when nothing can take it. */
  interrupt(): boolean {
    if (!this.running) return false;
    this.running.abort.abort();
    return this.running.command.interruptible === true;
  }

  private argsFor(command: ClusterCommand, words: readonly string[]): CommandArgs {
    const parsed = parseWords(words, [...COMMON_FLAGS, ...command.flags]);
    if (parsed instanceof Error) throw new UsageError(parsed.message);
    const output = parsed.flags.get('output');
    if (output !== undefined && output !== 'json' && output !== 'text') throw new UsageError(`unknown output format ${JSON.stringify(output)} (use -o json or -o text)`);
    const scopeFlags: ScopeFlags = {};
    const host = parsed.flags.get('host');
    if (typeof host === 'string') {
      if (host === '') throw new UsageError('--host: give a host name');
      scopeFlags.host = host;
    }
    if (parsed.flags.get('all-hosts') === true) scopeFlags.allHosts = true;
    const hosts = parsed.flags.get('hosts');
    if (typeof hosts === 'string') {
      const labels = parseLabelSelector(hosts);
      if (labels instanceof Error) throw new UsageError(`--hosts: ${labels.message}`);
      scopeFlags.labels = labels;
    }
    const scope = this.session.scopeFor(scopeFlags);
    if (scope instanceof Error) throw new UsageError(scope.message);
    return {
      positional: parsed.positional,
      flags: parsed.flags,
      format: (output as OutputFormat | undefined) ?? this.session.output,
      scope,
      scopeFlags: this.session.scopeFlagsFor(scopeFlags),
    };
  }

  private usage(name: string, message: string): number {
    this.io.err(`Error: ${message}\nFor help, use: fleetctl help ${name}\n`);
    return Exit.INVALID_ARGS;
  }

  private unknown(name: string): number {
    if (Object.hasOwn(LOCAL_ONLY, name)) {
      const instead = LOCAL_ONLY[name] ? ` In cluster mode, use ${LOCAL_ONLY[name]}.` : '';
      this.io.err(
        `Error: ${name} acts on one local agent, not through the controller.${instead}\n` +
          `To talk to the local agent, leave out --controller (and unset FLEET_CONTROLLER).\n`,
      );
    } else {
      this.io.err(`Error: no command ${JSON.stringify(name)} in cluster mode\nFor the list, use: fleetctl help\n`);
    }
    return Exit.INVALID_ARGS;
  }

  /** A call that failed as a whole. */
  private callFailed(err: FleetError): number {
    const address = this.session.address;
    switch (err.code) {
      case 'HOST_UNREACHABLE':
        this.io.err(
          `fleetctl: ${err.message}\n` +
            `Check that fleet-controller is running there (fleet-controller ${this.session.insecure ? '--insecure ' : ''}--listen ${address} --data DIR), ` +
            `or point --controller (or FLEET_CONTROLLER) at its gRPC address.\n`,
        );
        return Exit.INSUFFICIENT_PRIVILEGES;
      case 'UNAUTHENTICATED':
        this.io.err(`fleetctl: the controller at ${address} did not accept the credentials: ${err.message}\n`);
        return Exit.INSUFFICIENT_PRIVILEGES;
      case 'PERMISSION_DENIED':
        this.io.err(`fleetctl: the controller at ${address} refused: ${err.message}\n`);
        return Exit.INSUFFICIENT_PRIVILEGES;
      case 'RATE_LIMITED':
        this.io.err(`fleetctl: the controller at ${address} refused: ${err.message}\n`);
        return Exit.GENERIC;
      case 'BAD_ADDRESS':
      case 'BAD_ARGUMENTS':
      case 'INCORRECT_PARAMETERS':
      case 'BAD_SIGNAL':
        this.io.err(`fleetctl: ${err.message || err.code}\n`);
        return Exit.INVALID_ARGS;
      case 'SHUTDOWN_STATE':
        this.io.err(`fleetctl: the controller at ${address} is shutting down; run the command again once it is back\n`);
        return Exit.GENERIC;
      case 'FAILED':
      case 'UNKNOWN_METHOD':
        this.io.err(`fleetctl: ${err.message}\n`);
        return Exit.GENERIC;
      default:
        this.io.err(`fleetctl: ERROR (${err.faultString})\n`);
        return Exit.GENERIC;
    }
  }
}
