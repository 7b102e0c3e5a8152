/**
 * One log stream from many hosts, in capture-time order:
 *
 * 1. A LogSubscribe goes to every connected host the addresses reach (unreachable hosts get
 *    their HostError at once).
 * 2. Backlog: each host's chunks are held until that host sends its backlog_complete marker
 *    (or ends, or fails, or the backlog timeout passes); then all backlogs are merged by
 *    capture time and sent. A host's backlog is not in time order across its processes, so
 *    nothing is sent before every backlog is in.
 * 3. Live (follow): chunks are held for a short reorder window after they arrive and released
 *    in capture-time order, so output from hosts whose chunks cross on the network still
 *    reads in order (as far as the hosts' clocks agree).
 *
 * 4. Following across reconnects: when a followed host's stream ends, the caller gets a
 *    HOST_UNREACHABLE note and the feed waits; when the host's next session is ready it is
 *    subscribed again from the capture time of the last chunk delivered, so what the host wrote
 *    meanwhile comes through, and chunks already delivered are dropped.
 *
 * The caller going away cancels the subscriptions on the agents. A caller that reads too
 * slowly is cut off with an error: the agents' streams, which also carry events, never wait
 * for one slow reader.
 */
import type { HostScope } from '../../common/address.js';
import { FleetError } from '../../common/errors.js';
import { AsyncQueue } from './async-queue.js';
import type { AgentSession } from './agent-session.js';
import { callerAllows, type Caller } from './caller.js';
import type { CoreContext } from './core-context.js';
import { unreachableError } from './dispatch.js';
import type { LogChannelName, LogChunkIn } from './link-protocol.js';
import type { ProcessSelector } from './link-protocol.js';
import { resolveTargets, selectorsFor, type HostError } from './targets.js';

export interface LogsRequest {
  scope: HostScope;
  addresses: readonly string[];
  /** Empty means stdout. */
  channels: readonly LogChannelName[];
  /** Backlog from this time, epoch ms; 0: only new output when following, else the last bytes. */
  since: number;
  follow: boolean;
}

export interface LogLine {
  host: string;
  group: string;
  name: string;
  channel: LogChannelName;
  time: number;
  data: Uint8Array;
}

export type LogOutcome = { kind: 'chunk'; line: LogLine } | { kind: 'host-error'; error: HostError };

/** Chunks waiting for the reader before it is cut off. */
export const LOG_QUEUE_LIMIT = 20_000;

interface HostFeed {
  host: string;
  session: AgentSession;
  subscriptionId: string;
  /** What the agent is asked for: computed once, so a resubscription reaches exactly the same. */
  selectors: ProcessSelector[];
  /** Backlog phase over for this host (marker, end, failure or timeout). */
  backlogDone: boolean;
  ended: boolean;
  /** Following, the stream ended, and the host's next session is awaited. */
  waiting: boolean;
  /** The latest capture time passed on, and the chunks passed on at that time. */
  lastTime: number;
  atLastTime: Set<string>;
  /** After a resubscription from `lastTime`: what had been passed on, to drop when the backlog sends it again. */
  resumed: { from: number; seen: Set<string> } | null;
}

const chunkKey = (c: LogChunkIn): string => `${c.group}\0${c.name}\0${c.channel}\0${c.data.length}\0${Buffer.from(c.data.subarray(0, 64)).toString('latin1')}`;

interface Held {
  line: LogLine;
  arrived: number;
  order: number;
}

export function followLogs(ctx: CoreContext, caller: Caller, request: LogsRequest, signal: AbortSignal): AsyncIterable<LogOutcome> {
  const targetCtx = { registry: ctx.registry, view: ctx.view, caller };
  const targets = resolveTargets(targetCtx, request.addresses, request.scope);
  const feeds: HostFeed[] = [];
  let backlog: Held[] = [];
  let live: Held[] = [];
  let merged = false;
  let order = 0;
  let releaseTimer: NodeJS.Timeout | null = null;
  let backlogTimer: NodeJS.Timeout | null = null;
  let stopWatchingSessions = (): void => {};

  const queue = new AsyncQueue<LogOutcome>({
    limit: LOG_QUEUE_LIMIT,
    overflow: () => new FleetError('FAILED', `the log reader fell ${LOG_QUEUE_LIMIT} chunks behind and was cut off`),
    onClose: () => {
      signal.removeEventListener('abort', onAbort);
      stopWatchingSessions();
      if (releaseTimer) clearTimeout(releaseTimer);
      if (backlogTimer) clearTimeout(backlogTimer);
      for (const feed of feeds) if (!feed.ended && !feed.waiting) feed.session.cancelLogs(feed.subscriptionId);
    },
  });
  const onAbort = (): void => queue.end();
  signal.addEventListener('abort', onAbort, { once: true });

  const emit = (held: Held[]): void => {
    held.sort((a, b) => a.line.time - b.line.time || a.order - b.order);
    for (const h of held) queue.push({ kind: 'chunk', line: h.line });
  };
  const finishIfDone = (): void => {
    if (merged && live.length === 0 && feeds.every((f) => f.ended && !f.waiting)) queue.end();
  };
  const mergeIfReady = (): void => {
    if (merged || !feeds.every((f) => f.backlogDone)) return;
    merged = true;
    if (backlogTimer) clearTimeout(backlogTimer);
    emit(backlog);
    backlog = [];
    scheduleRelease();
    finishIfDone();
  };
  const release = (): void => {
    releaseTimer = null;
    const due = ctx.clock.now() - ctx.settings.logReorderMs;
    const ready = live.filter((h) => h.arrived <= due);
    live = live.filter((h) => h.arrived > due);
    emit(ready);
    scheduleRelease();
    finishIfDone();
  };
  function scheduleRelease(): void {
    if (releaseTimer || !merged || live.length === 0 || queue.finished) return;
    const wait = Math.max(0, live[0]!.arrived + ctx.settings.logReorderMs - ctx.clock.now());
    releaseTimer = setTimeout(release, wait);
  }

  const hostError = (error: HostError): void => queue.push({ kind: 'host-error', error });
  for (const record of targets.unreachable) hostError(unreachableError(ctx, record));
  for (const error of targets.errors) hostError(error);

  const subscribe = (feed: HostFeed, since: number): void => {
    const sink = {
      chunk(chunk: LogChunkIn): void {
        if (chunk.backlogComplete) {
          feed.backlogDone = true;
          return mergeIfReady();
        }
        // The agent was sent only what the caller may read; a chunk of anything else is dropped all the same.
        if (!callerAllows(caller, feed.host, chunk.group, chunk.name)) return;
        const key = chunkKey(chunk);
        // Sent again after a resubscription: passed on before it.
        const resumed = feed.resumed;
        if (resumed && (chunk.time < resumed.from || (chunk.time === resumed.from && resumed.seen.has(key)))) return;
        if (chunk.time > feed.lastTime) {
          feed.lastTime = chunk.time;
          feed.atLastTime = new Set();
        }
        if (chunk.time === feed.lastTime) feed.atLastTime.add(key);
        const held: Held = { line: { host: feed.host, group: chunk.group, name: chunk.name, channel: chunk.channel, time: chunk.time, data: chunk.data }, arrived: ctx.clock.now(), order: order++ };
        if (!feed.backlogDone) backlog.push(held);
        else live.push(held);
        scheduleRelease();
      },
      end(error: FleetError | null): void {
        feed.ended = true;
        feed.backlogDone = true;
        if (error) hostError({ host: feed.host, code: error.code, message: error.code === 'HOST_UNREACHABLE' && request.follow ? `${error.message}; following again when it reconnects` : error.message });
        if (error?.code === 'HOST_UNREACHABLE' && request.follow && !queue.finished) feed.waiting = true;
        mergeIfReady();
        finishIfDone();
      },
    };
    feed.session.subscribeLogs(
      {
        id: feed.subscriptionId,
        selectors: feed.selectors,
        channels: request.channels.length ? [...request.channels] : ['stdout'],
        since,
        maxBacklogBytes: 0,
        follow: request.follow,
      },
      sink,
    );
  };

  for (const target of targets.live) {
    const session = target.record.session;
    if (!session) {
      hostError(unreachableError(ctx, target.record));
      continue;
    }
    const feed: HostFeed = {
      host: target.record.name,
      session,
      subscriptionId: ctx.nextId(),
      selectors: selectorsFor(targetCtx, target),
      backlogDone: false,
      ended: false,
      waiting: false,
      lastTime: 0,
      atLastTime: new Set(),
      resumed: null,
    };
    feeds.push(feed);
    // Without a time and without follow, "the last bytes": everything, bounded by the agent's backlog size.
    subscribe(feed, request.since || (request.follow ? 0 : 1));
  }

  // A followed host that comes back is subscribed again from where its output was left.
  const followedFrom = ctx.clock.now();
  if (request.follow) {
    stopWatchingSessions = ctx.registry.onSessionReady((session) => {
        const feed = feeds.find((f) => f.waiting && f.host === session.host);
        if (!feed || queue.finished) return;
        const from = feed.lastTime || request.since || followedFrom;
        Object.assign(feed, { session, subscriptionId: ctx.nextId(), waiting: false, ended: false, backlogDone: true, resumed: { from, seen: new Set(feed.atLastTime) } });
        subscribe(feed, from);
    });
  }

  if (!merged) {
    backlogTimer = setTimeout(() => {
      for (const feed of feeds) {
        if (feed.backlogDone) continue;
        feed.backlogDone = true;
        hostError({ host: feed.host, code: 'HOST_UNREACHABLE', message: `${feed.host} did not send its log backlog within ${ctx.settings.logBacklogTimeoutMs} ms; its output follows as it arrives` });
      }
      mergeIfReady();
    }, ctx.settings.logBacklogTimeoutMs);
  }
  mergeIfReady();
  if (signal.aborted) queue.end();
  return queue;
}
