/**
 * The one way fleetvisor's executables read a command line with commander: help goes to stdout
 * with exit 0; a usage error reads as supervisord prints it, `Error: <message>` then
 * `For help, use <prog> -h`, with exit 2. Nothing is printed and nothing exits here: the caller
 * gets what to print and the code, so parsing stays pure and testable.
 */
import { CommanderError, type Command } from 'commander';

/** What a command prints and the code it exits with. */
export interface ProgramExit {
  code: number;
  stdout: string;
  stderr: string;
}

export type CommandLine = { kind: 'parsed' } | { kind: 'exit'; exit: ProgramExit };

/**
 * Parses argv (the user's arguments, without node and the script) with the configured program.
 * `parsed`: read the values with program.opts(). `exit`: help was asked for (code 0, the help on
 * stdout) or commander refused the line (code 2, see usageError). helpHint is the command that
 * shows the help, e.g. `fleet-agent join -h`.
 */
export function parseCommandLine(program: Command, argv: readonly string[], helpHint: string): CommandLine {
  let stdout = '';
  program.exitOverride().configureOutput({ writeOut: (s) => (stdout += s), writeErr: () => {}, outputError: () => {} });
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') return { kind: 'exit', exit: { code: 0, stdout, stderr: '' } };
    return { kind: 'exit', exit: usageError(err.message.replace(/^error: /, ''), helpHint) };
  }
  return { kind: 'parsed' };
}

/** A usage error, exit 2: `Error: <message>` for each message, then `For help, use <helpHint>`. */
export function usageError(messages: string | readonly string[], helpHint: string): ProgramExit {
  const lines = typeof messages === 'string' ? [messages] : messages;
  return { code: 2, stdout: '', stderr: lines.map((m) => `Error: ${m}\n`).join('') + `For help, use ${helpHint}\n` };
}
