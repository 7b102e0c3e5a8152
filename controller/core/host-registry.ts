/**
 * Every host the controller knows, live or not, with its liveness:
 *
 *   connected --(1.5 heartbeat intervals of silence)--> stale --(2 intervals)--> disconnected
 *       ^                                                  |                        ^
 *       +------------- any message from the agent ---------+     stream ends -------+
 *
 * Silence is measured from the last message of any kind on the host's stream. Two intervals of
 * it end the stream (agent_link.proto); nothing is ever stopped on the host because of it.
 * Hosts stay known after they disconnect, with their last known processes.
 */
import type { HostInfo, HostLiveness } from '../../common/host.js';
import type { AgentSession } from './agent-session.js';
import type { AgentHello } from './link-protocol.js';

export interface HostRecord {
  name: string;
  labels: Record<string, string>;
  liveness: HostLiveness;
  agentVersion: string;
  lastSeen: number;
  connectedAt: number;
  peer: string;
  /** The highest seq stored for the host. */
  lastSeq: number;
  /** The live stream, or null while disconnected. */
  session: AgentSession | null;
}

export type LivenessListener = (host: HostRecord, previous: HostLiveness) => void;

export interface SweepResult {
  /** Sessions silent for two intervals: the caller ends them. */
  silent: AgentSession[];
}

/** Told when a host's new session is ready for requests (its HelloAck is on the wire). */
export type SessionReadyListener = (session: AgentSession) => void;

export class HostRegistry {
  private readonly hosts = new Map<string, HostRecord>();
  private readonly readyListeners = new Set<SessionReadyListener>();

  constructor(
    private readonly heartbeatMs: number,
    private readonly onLiveness: LivenessListener,
  ) {}

  /** Hosts known from an earlier run, all disconnected until their agents say hello. */
  load(hosts: readonly Omit<HostInfo, 'counts' | 'liveness'>[]): void {
    for (const h of hosts) this.hosts.set(h.name, { ...h, liveness: 'disconnected', session: null });
  }

  get(name: string): HostRecord | undefined {
    return this.hosts.get(name);
  }

  /** Every known host, sorted by name. */
  all(): HostRecord[] {
    return [...this.hosts.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get size(): number {
    return this.hosts.size;
  }

  /**
   * Makes `session` the host's live stream after its hello; returns the session it replaces
   * (the caller closes it) or null.
   */
  attach(session: AgentSession, hello: AgentHello, lastSeq: number): AgentSession | null {
    let record = this.hosts.get(hello.host);
    if (!record) {
      record = { name: hello.host, labels: {}, liveness: 'disconnected', agentVersion: '', lastSeen: 0, connectedAt: 0, peer: '', lastSeq, session: null };
      this.hosts.set(hello.host, record);
    }
    const previous = record.session;
    Object.assign(record, {
      labels: { ...hello.labels },
      agentVersion: hello.agentVersion,
      lastSeen: session.connectedAt,
      connectedAt: session.connectedAt,
      peer: session.peer,
      lastSeq,
      session,
    });
    this.setLiveness(record, 'connected');
    return previous;
  }

  /** Calls `listener` for every session that becomes ready from now on; returns the unsubscribe function. */
  onSessionReady(listener: SessionReadyListener): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  /** The session's HelloAck has been sent: requests may follow it on the stream. */
  sessionReady(session: AgentSession): void {
    if (this.hosts.get(session.host)?.session !== session) return;
    for (const listener of this.readyListeners) listener(session);
  }

  /** The session's stream ended: the host is disconnected unless a newer session took over. */
  detach(session: AgentSession): void {
    const record = this.hosts.get(session.host);
    if (!record || record.session !== session) return;
    record.session = null;
    record.lastSeen = session.lastSeen;
    this.setLiveness(record, 'disconnected');
  }

  /** A message arrived on `session`: the host is connected again if it had gone stale. */
  touch(session: AgentSession, now: number): void {
    session.lastSeen = now;
    const record = this.hosts.get(session.host);
    if (!record || record.session !== session) return;
    record.lastSeen = now;
    if (record.liveness !== 'connected') this.setLiveness(record, 'connected');
  }

  /** Moves silent hosts along; called periodically. */
  sweep(now: number): SweepResult {
    const silent: AgentSession[] = [];
    for (const record of this.hosts.values()) {
      const session = record.session;
      if (!session) continue;
      const quiet = now - session.lastSeen;
      if (quiet >= 2 * this.heartbeatMs) silent.push(session);
      else if (quiet >= 1.5 * this.heartbeatMs && record.liveness === 'connected') this.setLiveness(record, 'stale');
    }
    return { silent };
  }

  private setLiveness(record: HostRecord, liveness: HostLiveness): void {
    const previous = record.liveness;
    if (previous === liveness) return;
    record.liveness = liveness;
    this.onLiveness(record, previous);
  }
}
