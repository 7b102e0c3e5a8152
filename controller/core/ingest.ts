/**
 * From an agent's snapshot and event batches to the store, the view and the event bus, with the
 * stream's promise kept: an ack is sent only after the events are committed, and seqs already
 * stored are ignored (never stored, shown or published twice).
 *
 * Each host has one queue, worked off in order by one loop: whatever arrived while a commit was
 * running goes into the next append, so a busy host costs one transaction per commit window,
 * not one per message. A snapshot is a barrier in that queue (the events before it are stored
 * first). One append per host is in flight at a time: a failed append is never followed by a
 * later one that would move the host's acked seq past the failure. The queue is per host, not
 * per stream, so a reconnecting agent's new stream waits for the old stream's appends.
 */
import { FleetError } from '../../common/errors.js';
import type { FleetStore } from '../store/store.js';
import type { AgentSession } from './agent-session.js';
import type { EventBus } from './event-bus.js';
import type { HostRegistry } from './host-registry.js';
import type { ProcessView } from './process-view.js';
import { EventRows } from '../../common/event-rows.js';
import type { TransitionEvent } from '../../common/fleet-event.js';
import { infoAfterTransition, type ProcessInfo, type TransitionDetail } from '../../common/process-info.js';
import type { ControllerLog } from '../log.js';

type Item = { session: AgentSession; kind: 'events'; rows: EventRows } | { session: AgentSession; kind: 'snapshot'; processes: ProcessInfo[] };

export interface IngestContext {
  store: FleetStore;
  registry: HostRegistry;
  view: ProcessView;
  bus: EventBus;
  log: ControllerLog;
}

/** Events queued per host before the stream's reader waits for the store (backpressure). */
const HIGH_WATER_EVENTS = 20_000;

/**
 * Events taken in from all hosts and not yet stored (queued or being appended) before every
 * stream's reader waits: the bound on the decoded backlog a thousand agents can leave in memory
 * while the store catches up. What waits meanwhile stays in the sockets, as bytes.
 */
const FLEET_HIGH_WATER_EVENTS = 250_000;

class HostQueue {
  items: Item[] = [];
  queuedEvents = 0;
  running: Promise<void> | null = null;
  /** Waiters for the queue to drain below the high-water mark, or to be idle. */
  drained: (() => void)[] = [];
  /** The highest seq handed to the store for this host (stored or in flight). */
  submittedSeq = 0;
}

export class Ingest {
  private readonly queues = new Map<string, HostQueue>();
  /** Events of all hosts taken in and not yet through the store (FLEET_HIGH_WATER_EVENTS). */
  private unstored = 0;
  private readonly fleetDrained: (() => void)[] = [];

  constructor(private readonly ctx: IngestContext) {}

  /**
   * Queues a batch from `session`. Resolves at once, or when the host's queue has drained
   * below its high-water mark and the fleet's backlog below its own: the stream's reader awaits
   * it, so flooding agents are slowed down by gRPC flow control instead of filling the
   * controller's memory.
   */
  async events(session: AgentSession, rows: EventRows): Promise<void> {
    const queue = this.queue(session.host);
    queue.items.push({ session, kind: 'events', rows });
    queue.queuedEvents += rows.count;
    this.unstored += rows.count;
    this.kick(session.host, queue);
    while (queue.queuedEvents > HIGH_WATER_EVENTS && !session.closed) await new Promise<void>((r) => queue.drained.push(r));
    while (this.unstored > FLEET_HIGH_WATER_EVENTS && !session.closed) await new Promise<void>((r) => this.fleetDrained.push(r));
  }

  /** `n` events taken in are through: stored, refused or dropped with their session. */
  private done(n: number): void {
    this.unstored -= n;
    if (this.unstored <= FLEET_HIGH_WATER_EVENTS) for (const resolve of this.fleetDrained.splice(0)) resolve();
  }

  /** Queues a snapshot: the host's view is replaced after the events queued before it. */
  snapshot(session: AgentSession, processes: ProcessInfo[]): void {
    const queue = this.queue(session.host);
    queue.items.push({ session, kind: 'snapshot', processes });
    this.kick(session.host, queue);
  }

  /** Resolves when everything queued for `host` has been handled (before a new hello is answered). */
  async idle(host: string): Promise<void> {
    const queue = this.queues.get(host);
    while (queue?.running) await queue.running;
  }

  /** Starts the next submitted seq from the store's value for a host (after a hello). */
  resetSubmitted(host: string, lastSeq: number): void {
    this.queue(host).submittedSeq = lastSeq;
  }

  private queue(host: string): HostQueue {
    let queue = this.queues.get(host);
    if (!queue) this.queues.set(host, (queue = new HostQueue()));
    return queue;
  }

  private kick(host: string, queue: HostQueue): void {
    if (queue.running) return;
    queue.running = this.work(host, queue)
      .catch((err: unknown) => this.ctx.log.error(`${host}: ingest failed: ${(err as Error).stack ?? String(err)}`))
      .finally(() => {
        queue.running = null;
        this.release(queue);
        if (queue.items.length > 0) this.kick(host, queue);
      });
  }

  private async work(host: string, queue: HostQueue): Promise<void> {
    while (queue.items.length > 0) {
      const first = queue.items[0]!;
      if (first.session.closed) {
        this.take(queue, 1);
        if (first.kind === 'events') this.done(first.rows.count);
        continue;
      }
      if (first.kind === 'snapshot') {
        this.take(queue, 1);
        await this.applySnapshot(host, first.session, first.processes);
        continue;
      }
      // Every events item of the same session up to the next snapshot goes into one append.
      let rows = 0;
      const batches: EventRows[] = [];
      for (const item of queue.items) {
        if (item.kind !== 'events' || item.session !== first.session) break;
        batches.push(item.rows);
        rows += item.rows.count;
      }
      this.take(queue, batches.length);
      this.release(queue);
      try {
        await this.appendBatch(host, queue, first.session, batches);
      } finally {
        this.done(rows);
      }
    }
  }

  private take(queue: HostQueue, n: number): void {
    for (const item of queue.items.splice(0, n)) if (item.kind === 'events') queue.queuedEvents -= item.rows.count;
  }

  private release(queue: HostQueue): void {
    if (queue.queuedEvents > HIGH_WATER_EVENTS && queue.running) return;
    for (const resolve of queue.drained.splice(0)) resolve();
  }

  private async applySnapshot(host: string, session: AgentSession, processes: ProcessInfo[]): Promise<void> {
    this.ctx.view.replace(host, processes);
    try {
      await this.ctx.store.replaceProcesses(host, processes);
    } catch (err) {
      this.fail(session, 'store the snapshot', err);
    }
  }

  private async appendBatch(host: string, queue: HostQueue, session: AgentSession, batches: EventRows[]): Promise<void> {
    // In seq order, each seq once, none handed to the store already.
    const fresh: EventRows[] = [];
    let count = 0;
    for (const batch of EventRows.inOrder(batches)) {
      const rows = batch.after(queue.submittedSeq);
      if (rows.count === 0) continue;
      queue.submittedSeq = rows.lastSeq;
      fresh.push(rows);
      count += rows.count;
    }
    const record = this.ctx.registry.get(host);
    let lastSeq = record?.lastSeq ?? 0;
    if (count > 0) {
      let stored: Set<number> | null;
      try {
        const result = await this.ctx.store.appendEvents(host, fresh);
        lastSeq = result.lastSeq;
        // Usually every event is new; a set of the stored seqs is needed only when some were not.
        stored = result.stored.length === count ? null : new Set(result.stored);
      } catch (err) {
        // Nothing of this batch counts as stored: the agent resends it after its reconnect.
        queue.submittedSeq = lastSeq;
        this.fail(session, 'store events', err);
        return;
      }
      if (record) record.lastSeq = Math.max(record.lastSeq, lastSeq);
      this.applyToView(host, fresh, stored);
    }
    if (!session.closed) session.send({ kind: 'ack', seq: lastSeq }).catch(() => {});
  }

  /**
   * The view follows committed transitions; then the bus hears of every newly stored event
   * (`stored` null: all of them). Only the last edge of each process in the batches shapes the
   * view: the ones before it are history, so no object is made for them, and none is made for
   * the bus while nobody listens.
   */
  private applyToView(host: string, batches: EventRows[], stored: Set<number> | null): void {
    const last = new Map<string, { event: TransitionEvent; detail: TransitionDetail }>();
    const lastInBatch = new Map<number, number>();
    for (const rows of batches) {
      lastInBatch.clear();
      for (let i = rows.start; i < rows.end; i++) if (rows.shapesView(i) && (stored === null || stored.has(rows.seq(i)))) lastInBatch.set(rows.processKey(i), i);
      for (const i of lastInBatch.values()) {
        const event = rows.event(i, host) as TransitionEvent;
        last.set(`${event.group}\0${event.name}`, { event, detail: rows.detail(i)! });
      }
    }
    if (last.size > 0) {
      const view = this.ctx.view;
      const changed: ProcessInfo[] = [];
      for (const { event, detail } of last.values()) {
        const info = infoAfterTransition(view.get(host, event.group, event.name), event, detail);
        view.set(host, info);
        changed.push(info);
      }
      this.ctx.store.upsertProcesses(host, changed).catch((err: unknown) => this.ctx.log.warn(`${host}: cannot save the process view: ${(err as Error).message}`));
    }
    if (this.ctx.bus.size === 0) return;
    for (const rows of batches) for (let i = rows.start; i < rows.end; i++) if (stored === null || stored.has(rows.seq(i))) this.ctx.bus.publish(rows.event(i, host));
  }

  private fail(session: AgentSession, what: string, err: unknown): void {
    const message = (err as Error).message;
    this.ctx.log.error(`${session.host}: cannot ${what}: ${message}`);
    session.close(new FleetError('FAILED', `the controller cannot ${what} (${message}); reconnect later`));
  }
}
