/**
 * What a host reports into the fleet's history, and what operators did to it: the domain shape
 * of a history row, shared by the agent's link (which numbers and spools them), the controller
 * (which stores and fans them out) and fleetctl (which prints them). Times are epoch ms.
 *
 * Agent events carry `seq`, the host's own counter that survives agent restarts: (host, seq) is
 * the identity the controller dedups on. Operator actions are the controller's own rows and
 * carry no seq.
 */
import type { HostLiveness } from './host.js';
import type { ProcessState } from './process-state.js';

interface AgentEventBase {
  host: string;
  /** Per-host sequence number, from 1, gapless unless a `gap` event says otherwise. */
  seq: number;
  time: number;
}

/** A process moved from one state to another (the state machine's edge). */
export interface TransitionEvent extends AgentEventBase {
  kind: 'transition';
  group: string;
  name: string;
  from: ProcessState;
  to: ProcessState;
  /** The child's pid while it has one, else 0. */
  pid: number;
}

/** A child exited: exactly one of exitStatus and signal is set. */
export interface ExitEvent extends AgentEventBase {
  kind: 'exit';
  group: string;
  name: string;
  pid: number;
  /** 0-255 when the child exited, null when a signal killed it. */
  exitStatus: number | null;
  /** `SIGKILL`... when a signal killed it, null otherwise. */
  signal: string | null;
  /** Whether the exit was expected (exitcodes, or a requested stop). */
  expected: boolean;
}

/**
 * The agent's spool overflowed and dropped events `fromSeq..toSeq` (inclusive) before the
 * controller acked them. Stored and shown, so a hole in the history is never silent.
 */
export interface GapEvent extends AgentEventBase {
  kind: 'gap';
  fromSeq: number;
  toSeq: number;
}

export type AgentEvent = TransitionEvent | ExitEvent | GapEvent;

/** Every kind of agent event, in a fixed order (an event row, common/event-rows.ts, holds a kind as its index here). */
export const AGENT_EVENT_KINDS = ['transition', 'exit', 'gap'] as const satisfies readonly AgentEvent['kind'][];

/** An operator's mutating call, recorded by the controller (the audit trail). */
export interface ActionEvent {
  kind: 'action';
  /** The controller's row id. */
  id: number;
  time: number;
  /** Who acted: the token's name, or `local` / `anonymous` in insecure mode. */
  who: string;
  /** Where the call came from (peer address). */
  origin: string;
  /** The RPC or verb: `start`, `stop`, `restart`, `signal HUP`, `update`... */
  action: string;
  /** The addresses as given. */
  addresses: string[];
  /** The hosts it reached. */
  hosts: string[];
  /** `ok`, or a summary of what failed. */
  result: string;
}

export type HistoryEvent = AgentEvent | ActionEvent;

/**
 * A host's liveness changed (connected, stale, disconnected). Only on the live stream
 * (WatchEvents, the dashboard): the history does not store these.
 */
export interface LivenessEvent {
  kind: 'liveness';
  host: string;
  liveness: HostLiveness;
  time: number;
}

/** What the live stream of the fleet carries: the history's entries plus liveness changes. */
export type FleetEntry = HistoryEvent | LivenessEvent;
