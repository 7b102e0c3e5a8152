/**
 * History queries on SQLite: agent events and operator actions of a resolved selection, newest
 * first in SQL (so LIMIT is exact), merged and returned oldest first.
 *
 * Order: time, then agent events before actions, then events by seq (then arrival) and actions
 * by id.
 *
 * Process globs are matched in SQL with fnmatch's exact semantics: a literal with `=`, `*` not at
 * all, `*` and `?` with SQLite's GLOB (same meaning for those two), and anything with a `[set]`
 * through the `fnmatch()` function this module registers (GLOB negates with `[^` where fnmatch
 * uses `[!`, and the two disagree on edge cases such as `[]]`).
 */
import type { Database } from 'better-sqlite3';
import type { ActionEvent, AgentEvent, HistoryEvent } from '../../common/fleet-event.js';
import { AGENT_EVENT_KINDS } from '../../common/fleet-event.js';
import { fnmatchToRegExp, hasMagic } from '../../common/glob.js';
import type { ProcessState } from '../../common/process-state.js';
import type { HostSelection, ProcessPattern } from './history-selection.js';
import type { HistoryKind, HistoryQuery } from './store.js';

const AGENT_KINDS = AGENT_EVENT_KINDS;

interface EventRow {
  host_id: number;
  seq: number;
  time: number;
  kind: string;
  grp: string | null;
  name: string | null;
  from_state: string | null;
  to_state: string | null;
  pid: number | null;
  exit_status: number | null;
  signal: string | null;
  expected: number | null;
  gap_from: number | null;
  gap_to: number | null;
}

interface ActionRow {
  id: number;
  time: number;
  who: string;
  origin: string;
  action: string;
  addresses: string;
  hosts: string;
  result: string;
}

/** What history reads need from the store: host ids, and the sizes that decide which index to read through. */
export interface HistoryContext {
  idOf(name: string): number | undefined;
  nameOf(id: number): string;
  readonly hostCount: number;
  readonly eventCount: number;
}

/** Registers `fnmatch(pattern, text)` on the connection (1 when text matches, compiled patterns cached). */
export function registerFnmatch(db: Database): void {
  const cache = new Map<string, RegExp>();
  db.function('fnmatch', { deterministic: true }, (pattern: unknown, text: unknown) => {
    if (typeof pattern !== 'string' || typeof text !== 'string') return 0;
    let re = cache.get(pattern);
    if (!re) {
      if (cache.size > 1000) cache.clear();
      cache.set(pattern, (re = fnmatchToRegExp(pattern)));
    }
    return re.test(text) ? 1 : 0;
  });
}

/** One column against one glob; null when the glob matches everything. */
function globCondition(column: string, glob: string, params: unknown[]): string | null {
  if (/^\*+$/.test(glob)) return null;
  params.push(glob);
  if (!hasMagic(glob)) return `${column} = ?`;
  if (!glob.includes('[')) return `${column} GLOB ?`;
  return `fnmatch(?, ${column})`;
}

function patternCondition(pattern: ProcessPattern, params: unknown[]): string | null {
  const parts = [globCondition('grp', pattern.group, params), globCondition('name', pattern.process, params)].filter((c) => c !== null);
  return parts.length === 0 ? null : parts.join(' AND ');
}

export class SqliteHistory {
  constructor(
    private readonly db: Database,
    private readonly hosts: HistoryContext,
  ) {}

  /** `selection` null: everything. */
  read(query: HistoryQuery, selection: HostSelection[] | null): HistoryEvent[] {
    const kinds = new Set<HistoryKind>(query.kinds ?? [...AGENT_KINDS, 'action']);
    const since = query.since ?? Number.MIN_SAFE_INTEGER;
    const until = query.until ?? Number.MAX_SAFE_INTEGER;
    const agentKinds = AGENT_KINDS.filter((k) => kinds.has(k));
    const events = agentKinds.length > 0 ? this.events(agentKinds, since, until, query.limit, selection) : [];
    const actions = kinds.has('action') ? this.actions(since, until, query.limit, selection) : [];
    return mergeNewest(events, actions, query.limit).reverse();
  }

  private events(kinds: readonly string[], since: number, until: number, limit: number, selection: HostSelection[] | null): AgentEvent[] {
    const params: unknown[] = [since, until];
    const where = ['time >= ?', 'time < ?'];
    if (kinds.length < AGENT_KINDS.length) where.push(`kind IN (${kinds.map((k) => `'${k}'`).join(', ')})`);
    let index = 'events_time';
    if (selection) {
      const hostClause = this.hostClause(selection, params);
      if (hostClause === null) return [];
      where.push(hostClause.sql);
      if (this.perHostIsCheaper(hostClause.hosts, limit)) index = 'events_host_seq';
    }
    params.push(limit);
    const sql =
      `SELECT host_id, seq, time, kind, grp, name, from_state, to_state, pid, exit_status, signal, expected, gap_from, gap_to ` +
      `FROM events INDEXED BY ${index} WHERE ${where.join(' AND ')} ORDER BY time DESC, seq DESC, id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params) as EventRow[];
    return rows.map((row) => this.toEvent(row));
  }

  /**
   * Whether to read the selected hosts' rows through the per-host index (all of them, then sort)
   * rather than walk the time index from the newest end until `limit` rows of theirs are found.
   * With s of T hosts selected and N events stored, evenly spread, the first reads about N*s/T
   * rows and the second about limit*T/s.
   */
  private perHostIsCheaper(selected: number, limit: number): boolean {
    const { hostCount: t, eventCount: n } = this.hosts;
    return n * selected * selected < limit * t * t;
  }

  /**
   * `(host_id IN (...) AND (gap or pattern...)) OR ...`, hosts grouped by identical patterns so
   * `-A` over a thousand hosts is one IN list. Host ids are our own integers, written inline.
   */
  private hostClause(selection: HostSelection[], params: unknown[]): { sql: string; hosts: number } | null {
    const groups = new Map<string, { patterns: ProcessPattern[] | null; ids: number[] }>();
    for (const { host, patterns } of selection) {
      const id = this.hosts.idOf(host);
      if (id === undefined) continue;
      const key = JSON.stringify(patterns);
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { patterns, ids: [] }));
      group.ids.push(id);
    }
    if (groups.size === 0) return null;
    const clauses: string[] = [];
    const all: number[] = [];
    for (const { patterns, ids } of groups.values()) {
      all.push(...ids);
      const inHosts = `host_id IN (${ids.join(', ')})`;
      const conditions = patterns === null ? [] : patterns.map((p) => patternCondition(p, params));
      if (patterns === null || conditions.includes(null)) clauses.push(inHosts);
      else clauses.push(`(${inHosts} AND (kind = 'gap' OR ${conditions.map((c) => `(${c})`).join(' OR ')}))`);
    }
    // The overall IN list first lets the per-host index serve even when the clauses are ORed.
    const sql = groups.size === 1 ? clauses[0]! : `host_id IN (${all.join(', ')}) AND (${clauses.join(' OR ')})`;
    return { sql, hosts: all.length };
  }

  private actions(since: number, until: number, limit: number, selection: HostSelection[] | null): ActionEvent[] {
    const params: unknown[] = [since, until];
    let reached = '';
    if (selection) {
      const ids = selection.map((s) => this.hosts.idOf(s.host)).filter((id) => id !== undefined);
      if (ids.length === 0) return [];
      reached = ` AND id IN (SELECT action_id FROM action_hosts WHERE host_id IN (${ids.join(', ')}))`;
    }
    params.push(limit);
    const sql =
      `SELECT id, time, who, origin, action, addresses, hosts, result FROM actions ` +
      `WHERE time >= ? AND time < ?${reached} ORDER BY time DESC, id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params) as ActionRow[];
    return rows.map((row) => ({
      kind: 'action',
      id: row.id,
      time: row.time,
      who: row.who,
      origin: row.origin,
      action: row.action,
      addresses: JSON.parse(row.addresses) as string[],
      hosts: JSON.parse(row.hosts) as string[],
      result: row.result,
    }));
  }

  private toEvent(row: EventRow): AgentEvent {
    const base = { host: this.hosts.nameOf(row.host_id), seq: row.seq, time: row.time };
    switch (row.kind) {
      case 'transition':
        return {
          ...base,
          kind: 'transition',
          group: row.grp!,
          name: row.name!,
          from: row.from_state as ProcessState,
          to: row.to_state as ProcessState,
          pid: row.pid ?? 0,
        };
      case 'exit':
        return {
          ...base,
          kind: 'exit',
          group: row.grp!,
          name: row.name!,
          pid: row.pid ?? 0,
          exitStatus: row.exit_status,
          signal: row.signal,
          expected: row.expected === 1,
        };
      default:
        return { ...base, kind: 'gap', fromSeq: row.gap_from ?? 0, toSeq: row.gap_to ?? 0 };
    }
  }
}

/** The `limit` newest of two newest-first lists, newest first; at equal times an action is newer than an event. */
function mergeNewest(events: AgentEvent[], actions: ActionEvent[], limit: number): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  let e = 0;
  let a = 0;
  while (out.length < limit && (e < events.length || a < actions.length)) {
    const event = events[e];
    const action = actions[a];
    if (action && (!event || action.time >= event.time)) {
      out.push(action);
      a++;
    } else {
      out.push(event!);
      e++;
    }
  }
  return out;
}
