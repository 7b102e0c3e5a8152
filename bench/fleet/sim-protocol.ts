// What the harness and a simulator process say to each other over the fork() IPC channel:
// one request, one reply with the same id. Times are wall-clock ms (performance.timeOrigin +
// performance.now()), comparable across the processes of the bench.
import type { SimHostStats } from './sim-host.js';

/** Enrollment of hosts with a controller in secure mode, as `fleet-agent join` does it. */
export interface EnrollArgs {
  address: string;
  /** The controller CA's `sha256:...`, checked before each join. */
  fingerprint: string;
  joinToken: string;
  hosts: string[];
  /** Each host's key and certificates go to `stateRoot/<host>`. */
  stateRoot: string;
  /** Joins under way at once in one simulator. */
  concurrency: number;
}

export interface EnrollReply {
  startedAt: number;
  doneAt: number;
  enrolled: number;
}

export interface ConnectArgs {
  address: string;
  /** Mutual TLS with each host's credentials from `stateRoot/<host>` (EnrollArgs); plaintext when absent. */
  stateRoot?: string;
  hosts: string[];
  processes: number;
  labels: Record<string, string>;
  /** Each host dials after a random delay in [0, jitterMs). */
  jitterMs: number;
  window: number;
  batch: number;
}

export type SimRequest =
  | { id: number; op: 'enroll'; args: EnrollArgs }
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
