/**
 * What the parts of the core share: built once by ControllerCore and handed to each operation
 * module, so no module keeps state of its own at module level.
 */
import type { FleetStore } from '../store/store.js';
import type { ControllerLog } from '../log.js';
import type { EventBus } from './event-bus.js';
import type { HostRegistry } from './host-registry.js';
import type { InFlight } from './in-flight.js';
import type { Ingest } from './ingest.js';
import type { ProcessView } from './process-view.js';
import type { ReconnectThrottle } from './reconnect-throttle.js';

export interface Clock {
  now(): number;
}

export interface CoreSettings {
  /** How often both sides of an agent stream send heartbeats. */
  heartbeatMs: number;
  /** How long a command may wait for its agent's answer. */
  commandTimeoutMs: number;
  /** How long a new stream may take to say hello. */
  helloTimeoutMs: number;
  /** How long a log request waits for a host's backlog before going on without it. */
  logBacklogTimeoutMs: number;
  /** How long live log chunks are held to be put in capture-time order across hosts. */
  logReorderMs: number;
  /** What the controller reports in HelloAck. */
  version: string;
}

export interface CoreContext {
  store: FleetStore;
  registry: HostRegistry;
  view: ProcessView;
  bus: EventBus;
  ingest: Ingest;
  throttle: ReconnectThrottle;
  log: ControllerLog;
  clock: Clock;
  settings: CoreSettings;
  /** Unique ids for commands and log subscriptions. */
  nextId(): string;
  /** Aborted when the controller closes. */
  closing: AbortSignal;
  /** Operator actions being recorded after their command answered (operator-actions.ts). */
  actions: InFlight;
}
