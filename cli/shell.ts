/**
 * The interactive shell (fleetctl with no action): it runs `status` first, then reads lines at
 * `<prompt>> ` until quit, exit, EOF (Ctrl-D) or Ctrl-C at the prompt. Ctrl-C during tail -f or
 * fg stops that command only. The shell always exits 0, as supervisorctl's does.
 */
import type { LineOutcome } from './controller.js';
import type { Writer } from './io.js';

/** What runs the shell's lines: the local Controller, or the cluster mode's runner. */
export interface LineRunner {
  readonly io: Writer;
  onecmd(line: string): Promise<LineOutcome>;
  /** Ctrl-C: true when the running command stopped at it and the shell goes on. */
  interrupt(): boolean;
}

export interface ShellInput {
  readLine(prompt: string, signal?: AbortSignal): Promise<string | null>;
}

export class Shell {
  private readonly leave = new AbortController();

  constructor(
    private readonly controller: LineRunner,
    private readonly input: ShellInput,
    private readonly prompt: string,
  ) {}

  async run(): Promise<0> {
    let line: string | null = 'status';
    while (!this.leave.signal.aborted) {
      const outcome = await this.controller.onecmd(line ?? 'EOF');
      if (outcome.endsShell || this.leave.signal.aborted) break;
      line = await this.input.readLine(this.prompt, this.leave.signal);
    }
    return 0;
  }

  /** Ctrl-C: the running command stops if it can; otherwise the shell ends with an empty line. */
  interrupt(): void {
    if (this.controller.interrupt()) return;
    if (this.leave.signal.aborted) return;
    this.controller.io.out('\n');
    this.leave.abort();
  }
}
