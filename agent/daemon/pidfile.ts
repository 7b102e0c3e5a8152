import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';

/**
 * The pidfile as supervisord writes it: the pid and a newline, removed at exit. Removal only
 * deletes the file if it still holds our pid, so a second agent's pidfile is never taken away.
 */
export class Pidfile {
  private written = false;

  constructor(
    readonly path: string,
    private readonly pid = process.pid,
  ) {}

  /** Writes the file; returns the error message instead of throwing (supervisord logs it and goes on). */
  write(): string | null {
    try {
      writeFileSync(this.path, `${this.pid}\n`);
      this.written = true;
      return null;
    } catch (err) {
      return `could not write pidfile ${this.path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
    }
  }

  /** Idempotent. */
  remove(): void {
    if (!this.written) return;
    this.written = false;
    try {
      if (readFileSync(this.path, 'utf8').trim() === String(this.pid)) unlinkSync(this.path);
    } catch {
      // Already gone: nothing to clean up.
    }
  }
}
