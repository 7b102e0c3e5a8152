/**
 * Work started and not waited for, for those that must see it done first: the operator actions
 * a command records after answering (a history query waits for them, so an operator's own
 * command is in the history they read next), and the controller's close.
 */
export class InFlight {
  private readonly pending = new Set<Promise<void>>();

  /** Tracks `work`; it should not reject (a rejection is dropped: whoever started it reports its failures). */
  track(work: Promise<void>): void {
    const settled = work.catch(() => {});
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
  }

  /** Resolves when what is tracked now is done (not what is tracked meanwhile: a query waits its turn, never longer). */
  async done(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Resolves when nothing is tracked: what is tracked meanwhile included (for close). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
