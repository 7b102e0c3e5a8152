/**
 * The controller's storage, behind one interface: hosts, their current processes, the history of
 * every transition, exit and gap the agents report, and the operators' actions. The embedded
 * default is SQLite (sqlite-store.ts); a fleet that outgrows one controller can bring a
 * PostgreSQL store with the same contract, so nothing outside controller/store/ may depend on
 * SQLite. Methods are async for that reason, even where SQLite answers at once.
 *
 * Durability contract:
 * - appendEvents resolves only once the events are committed: its lastSeq is what the
 *   controller acks to the agent, and an acked seq survives any crash of the controller.
 * - The current process view and hosts' last-seen times are written behind (coalesced, within
 *   about a second): after a crash they may be a moment old, which the agents' snapshots on
 *   reconnect repair. close() writes everything.
 * - Actions and host connects are committed before their promise resolves.
 *
 * Failures are FleetErrors whose message names the database and what to do next: FAILED for a
 * store that cannot be opened, read or written (not a database, damaged, read-only, disk full,
 * schema of a newer controller), SHUTDOWN_STATE after close(), INCORRECT_PARAMETERS for
 * malformed input. A failed append leaves the store usable; nothing of it was acked.
 */
import type { Address } from '../../common/address.js';
import type { EventRows } from '../../common/event-rows.js';
import type { ActionEvent, HistoryEvent } from '../../common/fleet-event.js';
import type { HostInfo } from '../../common/host.js';
import type { ProcessInfo } from '../../common/process-info.js';

/** A host as stored: everything but liveness (the core's, from the live stream) and counts (from the view). */
export type StoredHost = Omit<HostInfo, 'liveness' | 'counts'>;

/** An agent said hello. */
export interface HostConnect {
  name: string;
  labels: Record<string, string>;
  agentVersion: string;
  /** Peer address of the stream. */
  peer: string;
  /** Epoch ms. */
  time: number;
}

export interface HostProcess {
  host: string;
  info: ProcessInfo;
}

export interface AppendResult {
  /** The host's highest stored seq after this append: every seq up to it is stored (ack it). */
  lastSeq: number;
  /** The seqs this call stored, in order; those already stored are left out. */
  stored: number[];
}

/** An operator's action to record: the row id and kind are the store's. `tokenId`: the token that acted, '' (the default) for none. */
export type NewAction = Omit<ActionEvent, 'kind' | 'id'> & { tokenId?: string };

export type HistoryKind = HistoryEvent['kind'];

/**
 * Which history a query reads.
 * - `hosts`: everything on these hosts (gaps and the actions that reached them included).
 * - `addresses`: the processes the addresses match. An address's `host/` glob is matched
 *   against every host the store knows; an address without one reaches `scopeHosts` (the
 *   caller resolves the scope: the current host, `-A`, a label selector). Gaps of a reached
 *   host are included (a hole is never hidden), and so are the actions that reached one of
 *   the hosts: actions are selected by host, not by process.
 * Absent: everything, including actions that reached no host.
 */
export type HistorySelection =
  | { hosts: readonly string[] }
  | { addresses: readonly Address[]; scopeHosts: readonly string[] };

export interface HistoryQuery {
  select?: HistorySelection;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  /** At most this many entries: the newest ones. A positive integer. */
  limit: number;
  /** Only these kinds; absent: all of them. */
  kinds?: readonly HistoryKind[];
}

/** An agent certificate the controller's CA signed (controller/pki). */
export interface IssuedCertificate {
  /** Hex, lower case, no separators. */
  serial: string;
  /** The subject CN: the host identity. */
  host: string;
  /** Epoch ms. */
  issuedAt: number;
  notAfter: number;
  /** Epoch ms, or null while the certificate is valid. */
  revokedAt: number | null;
}

/** The agent certificates issued and revoked; every write is committed before it resolves. */
export interface CertificateStore {
  recordIssued(certificate: Omit<IssuedCertificate, 'revokedAt'>): Promise<void>;
  /** Revokes every certificate issued to `host` that is not revoked yet; resolves with their serials. */
  revokeHost(host: string, time: number): Promise<string[]>;
  /** The certificates that have not expired by `now`, revoked ones included. */
  listCertificates(now: number): Promise<IssuedCertificate[]>;
}

/** An API token as stored (controller/auth/tokens.ts): everything but its secret, whose hash is kept apart. */
export interface StoredToken {
  /** 16 hex digits: the public part of `fvt_<id>_<secret>`. */
  id: string;
  name: string;
  role: 'viewer' | 'operator' | 'admin' | 'join';
  /** Addresses (`web-*\/*`) the token may see and touch; empty: everything. */
  scopes: string[];
  /** Who created it: a token's name, or `bootstrap`. */
  createdBy: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms, or null for a token that never expires. */
  expiresAt: number | null;
  revokedAt: number | null;
}

/** A dashboard session: keyed by the sha256 of its cookie value. */
export interface StoredSession {
  tokenId: string;
  createdAt: number;
  expiresAt: number;
}

/** A row of the audit trail (the `actions` table), as `fleetctl audit` shows it. */
export interface AuditEntry extends Omit<ActionEvent, 'kind'> {
  /** The token that acted; '' for anonymous callers (insecure mode) and agents. */
  tokenId: string;
}

export interface AuditQuery {
  /** Epoch ms, inclusive; 0: from the start. */
  since: number;
  /** Only rows whose who (token name) or token id is this; '' for all. */
  who: string;
  /** The newest this many rows. */
  limit: number;
}

/**
 * API tokens, dashboard sessions and the audit trail's reading side. Every write is committed
 * before its promise resolves. Failures are FleetErrors as for the rest of the store; a second
 * bootstrap is FAILED `already bootstrapped`.
 */
export interface TokenStore {
  addToken(token: StoredToken, secretHash: Uint8Array): Promise<void>;
  /**
   * The first admin token, once: the token, the bootstrap mark and its audit row in one
   * transaction. Rejects with FAILED when the database was bootstrapped before.
   */
  bootstrap(token: StoredToken, secretHash: Uint8Array, audit: NewAction): Promise<void>;
  /** Whether bootstrap has been done. */
  bootstrapped(): Promise<boolean>;
  /** The token with this id and its secret's hash, whatever its state; null when unknown. */
  getToken(id: string): Promise<{ token: StoredToken; secretHash: Uint8Array } | null>;
  /** Every token, newest first (revoked and expired ones included). */
  listTokens(): Promise<StoredToken[]>;
  /** Marks the token revoked at `time` (a revoked token keeps its first time); null when unknown. Its sessions are deleted. */
  revokeToken(id: string, time: number): Promise<StoredToken | null>;

  addSession(idHash: Uint8Array, session: StoredSession): Promise<void>;
  getSession(idHash: Uint8Array): Promise<StoredSession | null>;
  deleteSession(idHash: Uint8Array): Promise<void>;
  /** Deletes sessions that expired before `now`; resolves with how many. */
  pruneSessions(now: number): Promise<number>;

  /** The audit trail, oldest first: the `limit` newest rows that match. */
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
}

export interface FleetStore extends AsyncDisposable {
  /** Agent certificates (issue 5): a part of the same database. */
  readonly certificates: CertificateStore;
  /** API tokens, dashboard sessions and the audit trail (issue 5): a part of the same database. */
  readonly tokens: TokenStore;

  /** Records an agent's hello (creating the host on first sight); resolves with the stored host, whose lastSeq is what HelloAck carries. */
  recordConnect(connect: HostConnect): Promise<StoredHost>;
  /** The host sent something at `time` (written behind). Unknown hosts are ignored. */
  recordSeen(host: string, time: number): Promise<void>;
  /** Every known host, sorted by name. */
  listHosts(): Promise<StoredHost[]>;
  getHost(name: string): Promise<StoredHost | null>;

  /**
   * Stores the host's events (batches in seq order, each in seq order), idempotently by (host,
   * seq): seqs already stored are skipped. Appends from all hosts are batched into one
   * transaction; the promise resolves after that transaction commits, and rejects (FAILED) if it
   * could not, in which case none of these events count as stored. The store keeps the rows
   * until then: the caller must not change them.
   */
  appendEvents(host: string, batches: readonly EventRows[]): Promise<AppendResult>;

  // The view keeps the ProcessInfo objects it is given and hands them out again: neither side
  // may modify one afterwards (replace it with a new object instead).

  /** The host's processes are exactly `processes` from now on (a snapshot). */
  replaceProcesses(host: string, processes: readonly ProcessInfo[]): Promise<void>;
  /** Adds or replaces these processes of the host (by group and name). */
  upsertProcesses(host: string, processes: readonly ProcessInfo[]): Promise<void>;
  /** Forgets a process, or a whole group when `name` is null. */
  removeProcesses(host: string, group: string, name: string | null): Promise<void>;
  /** The current view of these hosts (default: all), sorted by host, group, name. Served from memory. */
  listProcesses(hosts?: readonly string[]): Promise<HostProcess[]>;

  /** Records an operator's action; resolves with its id once committed. */
  recordAction(action: NewAction): Promise<number>;

  /** Stored history, oldest first: the `limit` newest entries, ordered by time, then seq. */
  history(query: HistoryQuery): Promise<HistoryEvent[]>;

  /** Applies the retention bound now, in small steps; resolves with the number of events deleted. */
  prune(): Promise<number>;
  /** Commits every queued append and writes the view now. */
  flush(): Promise<void>;
  /** Flushes and closes. Idempotent: later calls return the same promise. */
  close(): Promise<void>;
}
