/**
 * Work started and not waited for, for those that must see it done first: the operator actions
 * a command records after answering (a history query waits for them, so an operator's own
 * command is in the history they read next), and the controller's close.
 */
export class InFlight {
  private readonly pending = new Set<Promise<void>>();

  /** Tracks `work`, which must not reject. */
  track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** Resolves when everything tracked so far, and anything tracked meanwhile, is done. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }
}
