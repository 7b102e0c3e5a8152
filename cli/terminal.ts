/**
 * Lines typed at fleetctl: the shell's prompt, fg's input, y/N questions and the login prompt.
 * A node:readline interface over stdin, created on first use (a one-shot command that never asks
 * leaves stdin alone). On a terminal it edits lines and keeps the history file; on a pipe it
 * prints the prompt and reads lines, as Python's input() does.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';
import type { LineSource } from './controller.js';

export interface TerminalOptions {
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  output?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Where the password prompt goes: stderr, as Python's getpass falls back to without a tty. */
  secretPromptOutput?: NodeJS.WritableStream;
  historyFile?: string | null;
  /** Ctrl-C at the terminal (readline takes it from the tty) or SIGINT with a piped stdin. */
  onInterrupt?: () => void;
}

const HISTORY_SIZE = 1000;

export class Terminal implements LineSource {
  private rl: Interface | null = null;
  private readonly queue: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private ended = false;
  private muted = false;

  constructor(private readonly options: TerminalOptions = {}) {}

  /** process.stdin is created on first access (a few ms): a command that never reads leaves it alone. */
  private get input(): NonNullable<TerminalOptions['input']> {
    return this.options.input ?? process.stdin;
  }

  private get output(): NonNullable<TerminalOptions['output']> {
    return this.options.output ?? process.stdout;
  }

  readLine(prompt: string, signal?: AbortSignal): Promise<string | null> {
    const rl = this.open();
    if (signal?.aborted) return Promise.resolve(null);
    rl.setPrompt(prompt);
    rl.prompt();
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.waiting = null;
        resolve(null);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting = (line) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(line);
      };
    });
  }

  async readSecret(prompt: string): Promise<string | null> {
    (this.options.secretPromptOutput ?? process.stderr).write(prompt);
    this.muted = true;
    try {
      return await this.readLine('');
    } finally {
      this.muted = false;
    }
  }

  /** Saves the history and lets stdin go. Idempotent. */
  close(): void {
    if (!this.rl) return;
    const rl = this.rl;
    this.rl = null;
    const historyFile = this.options.historyFile;
    const history = (rl as unknown as { history?: string[] }).history;
    if (historyFile && history && this.isTerminal()) {
      try {
        writeFileSync(historyFile, [...history].reverse().map((l) => `${l}\n`).join(''));
      } catch {
        // supervisorctl ignores a history file it cannot write.
      }
    }
    rl.close();
  }

  private isTerminal(): boolean {
    return this.input.isTTY === true && this.output.isTTY === true;
  }

  private open(): Interface {
    if (this.rl) return this.rl;
    const terminal = this.isTerminal();
    const target = this.output;
    const echo = new Writable({
      write: (chunk, _encoding, done) => {
        if (!this.muted) target.write(chunk);
        done();
      },
    });
    Object.defineProperty(echo, 'columns', { get: () => target.columns });
    const rl = createInterface({
      input: this.input,
      output: echo,
      terminal,
      history: terminal ? readHistory(this.options.historyFile) : [],
      historySize: HISTORY_SIZE,
      removeHistoryDuplicates: false,
    });
    rl.on('line', (line) => {
      if (this.waiting) {
        const deliver = this.waiting;
        this.waiting = null;
        deliver(line);
      } else {
        this.queue.push(line);
      }
    });
    rl.on('close', () => {
      this.ended = true;
      const deliver = this.waiting;
      this.waiting = null;
      deliver?.(null);
    });
    rl.on('SIGINT', () => this.options.onInterrupt?.());
    this.rl = rl;
    return rl;
  }
}

/** The history file as readline keeps it: one entry a line, oldest first (node wants newest first). */
function readHistory(file: string | null | undefined): string[] {
  if (!file) return [];
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').reverse().slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
}
