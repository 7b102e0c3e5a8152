/**
 * One log subscription from the controller (LogSubscribe): the backlog of every matching
 * channel since a time, merged in capture-time order, then a backlog-complete marker, then (with
 * follow) new output as it is captured, until the subscription is cancelled or the stream ends.
 *
 * Every byte is read from the log files (log-source.ts) and written only when the sink can take
 * it: when the stream's buffer is full the subscription waits for it to drain, and reads on from
 * the file where it stopped. Nothing is buffered here but the one chunk being written.
 */
import { AddressMatcher } from '../../common/address.js';
import { isFleetError } from '../../common/errors.js';
import type { ProcessRef, Supervisor } from '../engine/supervisor.js';
import type { ChannelLog } from '../logs/types.js';
import { LogSource, type Channel, type TimedChunk } from './log-source.js';
import { Notifier } from './notifier.js';
import type { ProcessSelector } from './selection.js';

export interface LogRequest {
  id: string;
  selectors: ProcessSelector[];
  /** Empty means stdout. */
  channels: Channel[];
  /** Backlog of what was captured since this time, epoch ms; 0: no backlog. */
  sinceMs: number;
  /** Backlog bound per channel; 0: DEFAULT_BACKLOG_BYTES. */
  maxBacklogBytes: number;
  follow: boolean;
}

/** Where a subscription writes; the session turns it into LogChunk and LogEnd messages. */
export interface LogSink {
  /** Writes a chunk; false when the stream's buffer is full (wait for drain() before the next). */
  chunk(ref: ProcessRef, channel: Channel, chunk: TimedChunk): boolean;
  /** The marker after the backlog; false as for chunk(). */
  backlogComplete(): boolean;
  /** The subscription ended by itself: after the backlog without follow (fault null), or on a failure. */
  end(fault: { code: string; message: string } | null): void;
  /** Resolves when the stream can take more, or when `signal` aborts. */
  drain(signal: AbortSignal): Promise<void>;
}

export const DEFAULT_BACKLOG_BYTES = 1024 * 1024;

interface Followed {
  source: LogSource;
  /** The process is gone: read what is left in its file, then drop it. */
  gone: boolean;
}

export class LogSubscription {
  private readonly abort = new AbortController();
  private readonly matchers: AddressMatcher[];
  private readonly channels: Channel[];
  private readonly followed = new Map<string, Followed>();
  /** Wakes the live loop when any followed channel captured something. */
  private readonly notifier = new Notifier();
  private stale = false;
  readonly done: Promise<void>;

  /**
   * Starts at once: the backlog's bounds are taken now, in this turn, so everything captured
   * from here on is live. `stopped` (the session's) aborts it with the stream.
   */
  constructor(
    readonly request: LogRequest,
    private readonly engine: () => Supervisor,
    private readonly sink: LogSink,
    stopped: AbortSignal,
  ) {
    this.matchers = request.selectors.map(
      (s) => new AddressMatcher({ text: `${s.group}:${s.process}`, host: null, group: s.group, process: s.process }),
    );
    this.channels = request.channels.length === 0 ? ['stdout'] : [...new Set(request.channels)];
    if (stopped.aborted) this.abort.abort();
    else stopped.addEventListener('abort', () => this.cancel(), { once: true, signal: this.abort.signal });
    this.done = this.run().finally(() => this.closeSources());
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** LogCancel, or the stream ended: stops at once, without LogEnd. Idempotent. */
  cancel(): void {
    this.abort.abort();
  }

  /** The processes changed (update, add, remove, reload): follow new matches, drop the gone. */
  refresh(): void {
    this.stale = true;
    this.notifier.notify();
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    try {
      this.resolveSources();
      const limits = new Map<LogSource, number>();
      const maxBytes = this.request.maxBacklogBytes > 0 ? this.request.maxBacklogBytes : DEFAULT_BACKLOG_BYTES;
      for (const { source } of this.followed.values()) {
        const end = source.end();
        limits.set(source, end);
        source.seek(this.request.sinceMs > 0 ? source.backlogStart(this.request.sinceMs, maxBytes) : end);
      }
      await this.sendBacklog(limits, signal);
      if (signal.aborted) return;
      if (!this.sink.backlogComplete()) await this.sink.drain(signal);
      if (!this.request.follow) {
        if (!signal.aborted) this.sink.end(null);
        return;
      }
      await this.followLive(signal);
    } catch (err) {
      if (signal.aborted) return;
      this.sink.end({ code: isFleetError(err) ? err.code : 'FAILED', message: err instanceof Error ? err.message : String(err) });
    }
  }

  /** Every channel's backlog, always the oldest next chunk first: one capture-time order for the host. */
  private async sendBacklog(limits: Map<LogSource, number>, signal: AbortSignal): Promise<void> {
    for (;;) {
      if (signal.aborted) return;
      let next: LogSource | null = null;
      let nextTime = Infinity;
      for (const [source, limit] of limits) {
        const time = source.nextTime(limit);
        if (time === null) limits.delete(source);
        else if (time < nextTime) [next, nextTime] = [source, time];
      }
      if (next === null) return;
      const chunk = next.read(limits.get(next));
      if (chunk && !this.sink.chunk(next.ref, next.channel, chunk)) await this.sink.drain(signal);
    }
  }

  /** New output of every followed channel, a chunk of each in turn, as long as the sink drains. */
  private async followLive(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (this.stale) {
        this.stale = false;
        this.resolveSources();
      }
      let wrote = false;
      for (const [key, entry] of this.followed) {
        const chunk = entry.source.read();
        if (chunk === null) {
          if (entry.gone) this.drop(key, entry);
          continue;
        }
        wrote = true;
        if (!this.sink.chunk(entry.source.ref, entry.source.channel, chunk)) await this.sink.drain(signal);
        if (signal.aborted) return;
      }
      if (!wrote) await this.idle(signal);
    }
  }

  /**
   * Waits for any followed channel to capture something. The chunk listeners are there only
   * while idle: a listener costs the capture path a copy of every chunk, which a reader that is
   * behind (it reads the file anyway) has no use for. Reads are synchronous, so nothing can be
   * captured between the last empty read and the listeners being added.
   */
  private async idle(signal: AbortSignal): Promise<void> {
    const listeners = [...this.followed.values()].map(({ source }) => source.channelLog.onChunk(() => this.notifier.notify()));
    try {
      await this.notifier.wait(signal);
    } finally {
      for (const unsubscribe of listeners) unsubscribe();
    }
  }

  /**
   * Matches the selectors against the engine's processes now: new channels are followed from
   * their end (from the backlog's start at the beginning), a replaced process's new log takes
   * over, and channels of processes that are gone are marked.
   */
  private resolveSources(): void {
    const engine = this.engine();
    const seen = new Set<string>();
    for (const ref of engine.processRefs()) {
      if (!this.matchers.some((m) => m.matchesProcess(ref.group, ref.name))) continue;
      const logs = logsOf(engine, ref);
      if (logs === null) continue;
      for (const channel of this.channels) {
        const log = channel === 'stdout' ? logs.stdout : logs.stderr;
        if (log === null || log.path === null) continue;
        const key = `${ref.group}:${ref.name}:${channel}`;
        seen.add(key);
        const entry = this.followed.get(key);
        if (entry === undefined) {
          const source = new LogSource(ref, channel, log);
          source.seek(source.end());
          this.followed.set(key, { source, gone: false });
        } else if (entry.source.channelLog !== log) {
          entry.source.replaceLog(log);
          entry.gone = false;
        }
      }
    }
    for (const [key, entry] of this.followed) if (!seen.has(key)) entry.gone = true;
  }

  private drop(key: string, entry: Followed): void {
    entry.source.close();
    this.followed.delete(key);
  }

  private closeSources(): void {
    for (const [key, entry] of this.followed) this.drop(key, entry);
  }
}

function logsOf(engine: Supervisor, ref: ProcessRef): { stdout: ChannelLog; stderr: ChannelLog | null } | null {
  try {
    return engine.getProcessLogs(ref);
  } catch {
    return null; // removed meanwhile
  }
}
