// What the harness and a simulator process say to each other over the fork() IPC channel:
// one request, one reply with the same id. Times are wall-clock ms (performance.timeOrigin +
// performance.now()), comparable across the processes of the bench.
import type { SimHostStats } from './sim-host.js';

export interface ConnectArgs {
  address: string;
  hosts: string[];
  processes: number;
  labels: Record<string, string>;
  /** Each host dials after a random delay in [0, jitterMs). */
  jitterMs: number;
  window: number;
  batch: number;
}

export type SimRequest =
  | { id: number; op: 'connect'; args: ConnectArgs }
  | { id: number; op: 'flood'; eventsPerHost: number }
  | { id: number; op: 'settle' }
  | { id: number; op: 'stats' }
  | { id: number; op: 'close' };

export interface ConnectReply {
  /** Wall time of this process's first and last HelloAck. */
  firstUpAt: number;
  lastUpAt: number;
}

export interface FloodReply {
  /** When the flood began in this process, and when the last of its events was acked. */
  startedAt: number;
  doneAt: number;
  events: number;
}

export interface SettleReply {
  /** When the last host of this process had every event it assigned acked. */
  doneAt: number;
}

export interface StatsReply {
  hosts: SimHostStats[];
  /** The longest the simulator's event loop was held up since the previous stats, ms: a starved simulator makes its hosts look silent. */
  maxLoopDelayMs: number;
}

export type SimReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
