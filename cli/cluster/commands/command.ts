/**
 * The shape of every cluster command (fleetctl with --controller). A command gets its words
 * already split into flags and positional words, with the output format and the host scope
 * worked out, and goes:
 *
 *   check the positional words -> call the controller -> render -> return the exit code
 *
 * Results go to stdout; per-host errors and notes go to stderr, so stdout stays a table or one
 * JSON document that scripts can read. A problem with the words is a UsageError (exit 2).
 * Failures of a whole call (the controller unreachable...) are the runner's to report.
 */
import type { HostScope } from '../../../common/address.js';
import { parseAddresses } from '../../../common/address.js';
import { isFleetError } from '../../../common/errors.js';
import type { Writer } from '../../io.js';
import type { OutputFormat } from '../../options.js';
import type { ClusterSession } from '../cluster-session.js';
import type { FlagSpec } from '../flags.js';
import type { ScopeFlags } from '../scope.js';
import { parseTimeArg } from '../times.js';

export interface ClusterContext {
  io: Writer;
  session: ClusterSession;
  /** Aborted by Ctrl-C: following commands (logs -f, events, status --watch) end cleanly at it. */
  signal: AbortSignal;
  /** Epoch ms; for --since and `3m ago`. */
  now(): number;
  /** Whether stdout is a terminal (status --watch redraws in place only there). */
  tty: boolean;
}

export interface CommandArgs {
  positional: string[];
  flags: ReadonlyMap<string, string | true>;
  format: OutputFormat;
  scope: HostScope;
  /** The scope flags in force (the command's own, else those before the action); hosts selects by them. */
  scopeFlags: ScopeFlags;
}

export interface ClusterCommand {
  name: string;
  /** The usage in short, for the `help` listing (`status [ADDR...] [-A] [--watch]`); '' keeps it out. */
  synopsis: string;
  /** What it does, in a few words, beside the synopsis. */
  summary: string;
  /** What `help <name>` prints: usage, what it does, flags, examples, exit codes. */
  help: string;
  /** The command's own flags; the scope flags and -o are everyone's. */
  flags: readonly FlagSpec[];
  /** Ctrl-C ends the command and the shell goes on (logs -f, events, status --watch). */
  interruptible?: boolean;
  /** quit and exit end the shell. */
  endsShell?: boolean;
  run(ctx: ClusterContext, args: CommandArgs): Promise<number>;
}

/** A problem with the command's words: the runner prints it with a pointer to the help, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The positional words as addresses, checked with the one address parser (BAD_ADDRESS: a usage error). */
export function checkAddresses(words: readonly string[]): string[] {
  try {
    parseAddresses(words);
  } catch (err) {
    if (isFleetError(err, 'BAD_ADDRESS')) throw new UsageError(err.message);
    throw err;
  }
  return [...words];
}

/** A --since/--until value as epoch ms; 0 when not given. */
export function timeFlag(value: string | true | undefined, name: string, now: number): number {
  if (value === undefined) return 0;
  const ms = parseTimeArg(String(value), now);
  if (ms instanceof Error) throw new UsageError(`--${name}: ${ms.message}`);
  return ms;
}

/** Writes one line to stdout. */
export function line(ctx: { io: Writer }, text: string): void {
  ctx.io.out(`${text}\n`);
}

/** Writes one line to stderr. */
export function note(ctx: { io: Writer }, text: string): void {
  ctx.io.err(`${text}\n`);
}
