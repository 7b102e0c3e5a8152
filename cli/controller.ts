/**
 * Runs command lines as supervisorctl's Controller (a Python cmd.Cmd) does: the command is the
 * leading run of letters, digits and underscores, the rest of the line is its argument; an
 * empty line does nothing; anything else is `*** Unknown syntax: <line>` (exit 1). Errors no
 * command handles end here, in supervisorctl's catch-all form, with exit 1; a rejected login is
 * `Server requires authentication`, and with -i (and in the shell) a username and password
 * are asked for and the line is run again.
 */
import { isFleetError } from '../common/errors.js';
import type { Command, CommandContext } from './commands/command.js';
import { findCommand } from './commands/index.js';
import { Exit } from './exit-codes.js';
import { describeUnexpected } from './failures.js';
import { pyStrip, type Writer } from './io.js';
import { isAuthFailure, type Session } from './session.js';

export interface LineSource {
  /** One line, without its newline; null at end of input or when `signal` aborts. */
  readLine(prompt: string, signal?: AbortSignal): Promise<string | null>;
  /** The same without echoing what is typed (passwords). */
  readSecret(prompt: string): Promise<string | null>;
}

export interface LineOutcome {
  code: number;
  /** quit, exit or EOF: the shell ends. */
  endsShell: boolean;
}

const IDENT = /^[A-Za-z0-9_]*/u;

export class Controller {
  private running: { command: Command; abort: AbortController } | null = null;

  constructor(
    readonly session: Session,
    readonly io: Writer,
    private readonly lines: LineSource,
  ) {}

  /** Runs one line and returns its exit code. */
  async onecmd(rawLine: string): Promise<LineOutcome> {
    let line = pyStrip(rawLine);
    if (line === '') return { code: Exit.SUCCESS, endsShell: false };
    if (line.startsWith('?')) line = `help ${line.slice(1)}`;
    const name = IDENT.exec(line)![0];
    const command = name === '' ? undefined : await findCommand(name);
    if (!command) {
      this.io.out(`*** Unknown syntax: ${line}\n`);
      return { code: Exit.GENERIC, endsShell: false };
    }
    const arg = pyStrip(line.slice(name.length));
    const abort = new AbortController();
    this.running = { command, abort };
    this.session.beginCommand();
    try {
      const code = await command.run(this.context(abort.signal), arg);
      return { code, endsShell: command.endsShell === true };
    } catch (err) {
      if (isAuthFailure(err)) return this.loginAndRetry(line);
      if (abort.signal.aborted) return { code: Exit.GENERIC, endsShell: false };
      if (isFleetError(err, 'HOST_UNREACHABLE')) {
        // supervisorctl prints a Python exception here (commands without its connection check).
        this.io.out(`${this.session.serverurl} ${this.session.unreachable(err).text}\n`);
      } else if (isFleetError(err, 'BAD_ADDRESS')) {
        // A server URL that is neither unix:// nor http://, in supervisorctl's words.
        this.io.out(`error: <class 'ValueError'>, Unknown protocol for serverurl ${this.session.serverurl}\n`);
      } else {
        this.io.out(describeUnexpected(err));
      }
      return { code: Exit.GENERIC, endsShell: false };
    } finally {
      this.running = null;
    }
  }

  /**
   * Ctrl-C. Returns true when the running command stops at it and the shell goes on (tail -f,
   * fg); false when nothing can take it, and the caller ends (supervisorctl's KeyboardInterrupt).
   */
  interrupt(): boolean {
    if (!this.running) return false;
    this.running.abort.abort();
    return this.running.command.interruptible === true;
  }

  private context(signal: AbortSignal): CommandContext {
    const ctx: CommandContext = {
      io: this.io,
      session: this.session,
      signal,
      readLine: (prompt, s) => this.lines.readLine(prompt, s),
      run: async (name, arg) => {
        const command = await findCommand(name);
        if (!command) throw new Error(`no command ${name}`);
        return command.run(ctx, arg);
      },
    };
    return ctx;
  }

  private async loginAndRetry(line: string): Promise<LineOutcome> {
    this.io.out('Server requires authentication\n');
    if (!this.session.interactive) return { code: Exit.GENERIC, endsShell: false };
    const username = await this.lines.readLine('Username:');
    const password = username === null ? null : await this.lines.readSecret('Password:');
    if (username === null || password === null) return { code: Exit.GENERIC, endsShell: false };
    this.io.out('\n');
    this.session.reconnect({ username, password });
    return this.onecmd(line);
  }
}
