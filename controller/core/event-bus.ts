/**
 * The live side of the fleet's history: every stored transition, exit and gap, every operator
 * action, and every host liveness change, published after it is committed (so a watcher never
 * sees something History would not return). WatchEvents and the dashboard subscribe here.
 */
import type { FleetEntry } from '../../common/fleet-event.js';

export type { FleetEntry };

export type FleetEntryListener = (entry: FleetEntry) => void;

export class EventBus {
  private readonly listeners = new Set<FleetEntryListener>();

  /** Calls `listener` for every entry published from now on; returns the unsubscribe function. */
  subscribe(listener: FleetEntryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called by the core after the entry is committed. A failing listener does not stop the others. */
  publish(entry: FleetEntry): void {
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch {
        // A listener is a watcher's queue push; it cannot fail in a way the publisher could fix.
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
