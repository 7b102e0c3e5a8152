/**
 * A wake-up flag for one waiting loop: notify() wakes the current wait, or the next one if
 * nobody waits yet, so a notification is never lost between a check and a wait.
 */
export class Notifier {
  private pending = false;
  private resolve: (() => void) | null = null;

  notify(): void {
    this.pending = true;
    this.resolve?.();
  }

  /** Resolves at the next notification (at once if one came since the last wait), or when `signal` aborts. */
  wait(signal: AbortSignal): Promise<void> {
    if (this.pending || signal.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        this.resolve = null;
        this.pending = false;
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.resolve = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
