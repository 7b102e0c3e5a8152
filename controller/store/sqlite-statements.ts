/**
 * The prepared statements of the SQLite store and the mapping between rows and domain objects
 * for hosts, events and processes (history queries are built in sqlite-history.ts).
 */
import type { Database, Statement } from 'better-sqlite3';
import type { ProcessInfo } from '../../common/process-info.js';

/** A host as the store keeps it in memory. */
export interface HostRow {
  id: number;
  name: string;
  labels: Record<string, string>;
  agentVersion: string;
  peer: string;
  connectedAt: number;
  lastSeen: number;
  /** Committed: every seq up to it is stored. */
  lastSeq: number;
}

interface HostRecordRow {
  id: number;
  name: string;
  labels: string;
  agent_version: string;
  peer: string;
  connected_at: number;
  last_seen: number;
  last_seq: number;
}

export class SqliteStatements {
  /** Column values in INSERT order: host_id, seq, time, kind, grp, name, from_state, to_state, pid, exit_status, signal, expected, gap_from, gap_to. */
  private readonly insertEventRow: Statement<unknown[]>;
  readonly setLastSeq: Statement<[seq: number, hostId: number]>;
  readonly setLastSeen: Statement<[time: number, hostId: number]>;
  /** Upserts a host on hello; returns its id. */
  readonly connectHost: Statement<[name: string, labels: string, agentVersion: string, peer: string, connectedAt: number, lastSeen: number], number>;
  /** Adds a host known only by name (or finds it, if a connect added it first); returns its id. */
  readonly insertHost: Statement<[name: string], number>;
  readonly putProcess: Statement<[hostId: number, group: string, name: string, info: string]>;
  readonly deleteProcess: Statement<[hostId: number, group: string, name: string]>;
  readonly deleteHostProcesses: Statement<[hostId: number]>;
  readonly deleteGroupProcesses: Statement<[hostId: number, group: string]>;
  readonly insertAction: Statement<[time: number, who: string, tokenId: string, origin: string, action: string, addresses: string, hosts: string, result: string], number>;
  readonly insertActionHost: Statement<[hostId: number, actionId: number]>;
  /** Retention (sqlite-retention.ts): at most `limit` events older than `time`, oldest first; the oldest `limit` events. */
  readonly deleteOlder: Statement<[time: number, limit: number]>;
  readonly deleteOldest: Statement<[limit: number]>;

  constructor(private readonly db: Database) {
    this.insertEventRow = db.prepare(
      `INSERT INTO events (host_id, seq, time, kind, grp, name, from_state, to_state, pid, exit_status, signal, expected, gap_from, gap_to)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (host_id, seq) DO NOTHING`,
    );
    this.setLastSeq = db.prepare('UPDATE hosts SET last_seq = max(last_seq, ?) WHERE id = ?');
    this.setLastSeen = db.prepare('UPDATE hosts SET last_seen = max(last_seen, ?) WHERE id = ?');
    this.connectHost = db
      .prepare<[string, string, string, string, number, number], number>(
        `INSERT INTO hosts (name, labels, agent_version, peer, connected_at, last_seen) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET labels = excluded.labels, agent_version = excluded.agent_version, peer = excluded.peer,
           connected_at = excluded.connected_at, last_seen = max(last_seen, excluded.last_seen)
         RETURNING id`,
      )
      .pluck();
    this.insertHost = db.prepare<[string], number>('INSERT INTO hosts (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id').pluck();
    this.putProcess = db.prepare('INSERT OR REPLACE INTO processes (host_id, grp, name, info) VALUES (?, ?, ?, ?)');
    this.deleteProcess = db.prepare('DELETE FROM processes WHERE host_id = ? AND grp = ? AND name = ?');
    this.deleteHostProcesses = db.prepare('DELETE FROM processes WHERE host_id = ?');
    this.deleteGroupProcesses = db.prepare('DELETE FROM processes WHERE host_id = ? AND grp = ?');
    this.insertAction = db
      .prepare<[number, string, string, string, string, string, string, string], number>(
        'INSERT INTO actions (time, who, token_id, origin, action, addresses, hosts, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
      )
      .pluck();
    this.insertActionHost = db.prepare('INSERT OR IGNORE INTO action_hosts (host_id, action_id) VALUES (?, ?)');
    this.deleteOlder = db.prepare('DELETE FROM events WHERE id IN (SELECT id FROM events INDEXED BY events_time WHERE time < ? ORDER BY time, seq LIMIT ?)');
    this.deleteOldest = db.prepare('DELETE FROM events WHERE id IN (SELECT id FROM events INDEXED BY events_time ORDER BY time, seq LIMIT ?)');
  }

  /** Inserts one event row (EventRows.insertColumns); false when (host, seq) is already stored. */
  insertEventColumns(columns: unknown[]): boolean {
    return this.insertEventRow.run(columns).changes === 1;
  }

  loadHosts(): HostRow[] {
    const rows = this.db.prepare('SELECT id, name, labels, agent_version, peer, connected_at, last_seen, last_seq FROM hosts').all() as HostRecordRow[];
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      labels: JSON.parse(r.labels) as Record<string, string>,
      agentVersion: r.agent_version,
      peer: r.peer,
      connectedAt: r.connected_at,
      lastSeen: r.last_seen,
      lastSeq: r.last_seq,
    }));
  }

  loadProcesses(): { hostId: number; info: ProcessInfo }[] {
    const rows = this.db.prepare('SELECT host_id, info FROM processes').all() as { host_id: number; info: string }[];
    return rows.map((r) => ({ hostId: r.host_id, info: JSON.parse(r.info) as ProcessInfo }));
  }
}
