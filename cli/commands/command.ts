/**
 * The shape every fleetctl command has. A command gets the rest of its line as one string, as
 * supervisorctl's `do_<name>(arg)` does (so words split the same way), writes through the
 * context's writer, and returns its exit code:
 *
 *   parse the words -> check the connection -> call the client -> render -> return the code
 */
import { pySplit, type Writer } from '../io.js';
import { takeOutputFlag } from '../json.js';
import type { OutputFormat } from '../options.js';
import type { Session } from '../session.js';

export interface CommandContext {
  io: Writer;
  session: Session;
  /** Aborted by Ctrl-C while a command that can be interrupted (tail -f, fg) runs. */
  signal: AbortSignal;
  /** Reads one line from the terminal (fg input, y/N questions); null at end of input or when `signal` aborts. */
  readLine(prompt: string, signal?: AbortSignal): Promise<string | null>;
  /** Runs another command on this context (restart runs stop then start; open runs status). */
  run(name: string, arg: string): Promise<number>;
}

export interface Command {
  name: string;
  /** What `help <name>` prints: supervisorctl's text, byte for byte. */
  help: string;
  run(ctx: CommandContext, arg: string): Promise<number>;
  /** quit and exit: the shell ends after them. */
  endsShell?: boolean;
  /** tail -f, maintail -f and fg stop at Ctrl-C and the shell goes on; other commands end the shell. */
  interruptible?: boolean;
}

/** supervisorctl's `ctl.output`: one line on stdout. */
export function say(ctx: { io: Writer }, line: string): void {
  ctx.io.out(`${line}\n`);
}

/** A usage error: the message, then the command's help text (supervisorctl's order). */
export function usageError(ctx: { io: Writer }, message: string, help: string): void {
  say(ctx, message);
  ctx.io.out(help);
}

/**
 * The words of a command that takes `-o json` (status, avail, pid, reread), with the flag taken
 * out. On a bad flag it prints the error and returns null: the command then exits INVALID_ARGS.
 */
export function wordsWithOutput(ctx: CommandContext, arg: string): { format: OutputFormat; words: string[] } | null {
  const flag = takeOutputFlag(pySplit(arg), ctx.session.output);
  if ('error' in flag) {
    ctx.io.err(`${flag.error}\n`);
    return null;
  }
  return flag;
}
