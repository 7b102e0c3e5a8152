/**
 * The embedded FleetStore: one SQLite file (better-sqlite3) in WAL mode (sqlite-connection.ts).
 *
 * Two connections. The writer thread's (sqlite-writer.ts, below normal priority) does the bulk
 * writes: agent events, the process view, host rows and pruning, so the controller's event loop
 * never waits for them. The main thread's connection reads history and does the rare operator
 * writes (actions, tokens, certificates), never sleeping in SQLite for the writer's lock
 * (writeWhenFree). Appends from all hosts wait in one BatchQueue and are committed
 * together (one transaction per window), and only then acked. Hosts and processes live in
 * memory too (loaded at open): reads of the current view cost no query, and the view is written
 * behind, each changed process once per write.
 */
import type Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FleetError } from '../../common/errors.js';
import type { EventRows } from '../../common/event-rows.js';
import type { HistoryEvent } from '../../common/fleet-event.js';
import { byGroupThenName, type ProcessInfo } from '../../common/process-info.js';
import { BatchQueue } from './batch-queue.js';
import { resolveSelection } from './history-selection.js';
import { SqliteCertificates } from './sqlite-certificates.js';
import { configureConnection, openDatabase, writeWhenFree } from './sqlite-connection.js';
import { closedError, storeError } from './sqlite-errors.js';
import { registerFnmatch, SqliteHistory, type HistoryContext } from './sqlite-history.js';
import { migrate } from './sqlite-migrations.js';
import { DEFAULT_RETENTION, SqliteRetention, type RetentionOptions } from './sqlite-retention.js';
import { SqliteStatements, type HostRow } from './sqlite-statements.js';
import { SqliteTokens } from './sqlite-tokens.js';
import type { AppendResult, CertificateStore, FleetStore, HistoryQuery, HostConnect, HostProcess, NewAction, StoredHost, TokenStore } from './store.js';
import { SqliteWriter } from './sqlite-writer.js';
import { packEvents, type ViewChunk } from './sqlite-writer-protocol.js';
import { ViewChanges, type HostViewChange } from './view-changes.js';

export interface SqliteStoreOptions {
  /** The database file. Its directory is created (mode 0700) when missing. */
  path: string;
  /** How long an append waits for others to share its transaction, in ms (25). */
  batchWindowMs?: number;
  /** Commit at once when this many events wait (5000). */
  batchMaxRows?: number;
  /** How long view and last-seen changes may wait to be written, in ms (1000). */
  viewWriteMs?: number;
  /** The bound on stored events (DEFAULT_RETENTION for what is not given). */
  retention?: Partial<RetentionOptions>;
  /** Epoch ms, for retention by age (Date.now). */
  now?: () => number;
  /** Hears about failures of background work (view writes, pruning), which is retried later. Default: a line on stderr. */
  onError?: (err: FleetError) => void;
  /**
   * Hears, once, that the store cannot go on: its writer thread died, so nothing more will be
   * stored or acked. The owner should stop (a supervisor restarts it). Default: a line on stderr.
   */
  onFatal?: (err: FleetError) => void;
}

interface PendingAppend {
  row: HostRow;
  batches: readonly EventRows[];
}

/** Rows of the process view per transaction when writing it behind. */
const VIEW_CHUNK_ROWS = 1000;

/** Opens (creating and migrating as needed) the database at `options.path`. Rejects with FAILED saying what to do when it cannot. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<FleetStore> {
  return SqliteStore.open(options);
}

class SqliteStore implements FleetStore {
  private readonly hosts = new Map<string, HostRow>();
  /** Hosts whose row the writer is adding. */
  private readonly adding = new Map<string, Promise<HostRow>>();
  private readonly names = new Map<number, string>();
  private sortedNames: string[] | null = null;
  /** The process view's changes not yet written (the core keeps the view itself). */
  private readonly view = new ViewChanges();
  private readonly seen = new Set<HostRow>();
  private readonly queue: BatchQueue<PendingAppend, AppendResult>;
  private readonly retention: SqliteRetention;
  private readonly historyReader: SqliteHistory;
  private readonly sql: SqliteStatements;
  private readonly viewWriteMs: number;
  private readonly onError: (err: FleetError) => void;
  private viewTimer: NodeJS.Timeout | null = null;
  private viewWrite: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  readonly certificates: CertificateStore;
  readonly tokens: TokenStore;

  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    const path = resolve(options.path);
    try {
      makeDirs(dirname(path));
    } catch (err) {
      throw storeError(path, 'creating its directory', err);
    }
    let db: Database.Database;
    try {
      // A write here that finds the writer thread's transaction under way gives up inside SQLite
      // within a few ms (the event loop must not sleep there) and tries again from the event loop
      // (writeWhenFree); reads never wait for writers in WAL mode.
      db = openDatabase(path, 2);
    } catch (err) {
      throw storeError(path, 'opening it', err);
    }
    try {
      configureConnection(db, { cacheMiB: 8, checkpointPages: 0 });
      registerFnmatch(db);
      migrate(db, path);
      const onFatal = options.onFatal ?? ((err) => process.stderr.write(`fleet-controller: ${err.message}\n`));
      const writer = await SqliteWriter.start(path, (err) => onFatal(new FleetError('FAILED', `controller store ${path} cannot store anything more: ${err.message}; restart the controller`, { cause: err })));
      return new SqliteStore(db, writer, path, options);
    } catch (err) {
      db.close();
      throw storeError(path, 'opening it', err);
    }
  }

  private constructor(
    private readonly db: Database.Database,
    private readonly writer: SqliteWriter,
    readonly path: string,
    options: SqliteStoreOptions,
  ) {
    this.sql = new SqliteStatements(db);
    this.certificates = new SqliteCertificates(db, path, () => this.checkOpen());
    this.tokens = new SqliteTokens(db, path, () => this.checkOpen());
    this.viewWriteMs = options.viewWriteMs ?? 1000;
    this.onError = options.onError ?? ((err) => process.stderr.write(`fleet-controller: ${err.message}\n`));
    for (const row of this.sql.loadHosts()) this.addHost(row);
    this.queue = new BatchQueue((items) => this.commitAppends(items), {
      windowMs: options.batchWindowMs ?? 25,
      maxRows: options.batchMaxRows ?? 5000,
    });
    this.retention = new SqliteRetention(db, (step) => this.writer.request('prune', { step }), { ...DEFAULT_RETENTION, ...options.retention }, options.now ?? Date.now);
    this.retention.start((err) => this.onError(storeError(path, 'pruning old events', err)));
    this.historyReader = new SqliteHistory(db, this.historyContext());
  }

  // --- hosts

  /**
   * A host known already is answered from memory at once and its row written behind (the
   * writer takes requests in order, so its events come after); a new host waits for its id.
   */
  async recordConnect(connect: HostConnect): Promise<StoredHost> {
    this.checkOpen();
    const doing = `recording the connection of host ${connect.name}`;
    const written = this.writer.request('connect', {
      name: connect.name,
      labels: JSON.stringify(connect.labels),
      agentVersion: connect.agentVersion,
      peer: connect.peer,
      time: connect.time,
    });
    let row = this.hosts.get(connect.name);
    if (row) {
      written.catch((err: unknown) => this.onError(storeError(this.path, doing, err)));
    } else {
      let id: number;
      try {
        id = await written;
      } catch (err) {
        throw storeError(this.path, doing, err);
      }
      row = this.hosts.get(connect.name) ?? this.addHost({ id, name: connect.name, labels: {}, agentVersion: '', peer: '', connectedAt: 0, lastSeen: 0, lastSeq: 0 });
    }
    Object.assign(row, { labels: { ...connect.labels }, agentVersion: connect.agentVersion, peer: connect.peer, connectedAt: connect.time });
    row.lastSeen = Math.max(row.lastSeen, connect.time);
    return toStored(row);
  }

  async recordSeen(host: string, time: number): Promise<void> {
    this.checkOpen();
    const row = this.hosts.get(host);
    if (!row || time <= row.lastSeen) return;
    row.lastSeen = time;
    this.seen.add(row);
    this.scheduleViewWrite();
  }

  async listHosts(): Promise<StoredHost[]> {
    this.checkOpen();
    return this.hostNames().map((name) => toStored(this.hosts.get(name)!));
  }

  async getHost(name: string): Promise<StoredHost | null> {
    this.checkOpen();
    const row = this.hosts.get(name);
    return row ? toStored(row) : null;
  }

  // --- events

  async appendEvents(host: string, batches: readonly EventRows[]): Promise<AppendResult> {
    this.checkOpen();
    const row = this.hosts.get(host) ?? (await this.ensureHost(host));
    // The ack says every seq up to lastSeq is stored: a resend of those (even of one pruned since) is not stored again.
    const fresh: EventRows[] = [];
    let count = 0;
    for (const batch of batches) {
      const rows = batch.after(Math.max(row.lastSeq, fresh.at(-1)?.lastSeq ?? 0));
      if (rows.count === 0) continue;
      fresh.push(rows);
      count += rows.count;
    }
    if (count === 0) return { lastSeq: row.lastSeq, stored: [] };
    return this.queue.push({ row, batches: fresh }, count);
  }

  /** One transaction (on the writer thread) for every waiting append; the in-memory lastSeqs move only after the commit. */
  private async commitAppends(items: PendingAppend[]): Promise<AppendResult[]> {
    const highest = new Map<HostRow, number>();
    for (const { row, batches } of items) for (const rows of batches) if (rows.lastSeq > (highest.get(row) ?? row.lastSeq)) highest.set(row, rows.lastSeq);
    const lastSeqs: number[] = [];
    for (const [row, seq] of highest) lastSeqs.push(row.id, seq);
    const packed = packEvents(
      items.map(({ row, batches }) => ({ hostId: row.id, batches })),
      lastSeqs,
    );
    let flags: Uint8Array;
    try {
      flags = await this.writer.request('append', { events: packed }, [packed.numbers.buffer as ArrayBuffer]);
    } catch (err) {
      throw storeError(this.path, 'storing events', err);
    }
    for (const [row, seq] of highest) row.lastSeq = Math.max(row.lastSeq, seq);
    let at = 0;
    let count = 0;
    const results = items.map(({ row, batches }) => {
      const stored: number[] = [];
      for (const rows of batches) for (let i = rows.start; i < rows.end; i++) if (flags[at++] === 1) stored.push(rows.seq(i));
      count += stored.length;
      return { lastSeq: row.lastSeq, stored };
    });
    this.retention.count += count;
    return results;
  }

  // --- current view

  async replaceProcesses(host: string, processes: readonly ProcessInfo[]): Promise<void> {
    this.checkOpen();
    if (!this.hosts.has(host)) await this.ensureHost(host);
    this.view.replace(host, processes);
    this.scheduleViewWrite();
  }

  async upsertProcesses(host: string, processes: readonly ProcessInfo[]): Promise<void> {
    this.checkOpen();
    if (!this.hosts.has(host)) await this.ensureHost(host);
    this.view.upsert(host, processes);
    this.scheduleViewWrite();
  }

  async removeProcesses(host: string, group: string, name: string | null): Promise<void> {
    this.checkOpen();
    this.view.remove(host, group, name);
    this.scheduleViewWrite();
  }

  async listProcesses(hosts?: readonly string[]): Promise<HostProcess[]> {
    this.checkOpen();
    // What is still to be written goes first: the list is the database's.
    await this.writeView();
    const byHost = new Map<string, ProcessInfo[]>();
    for (const { hostId, info } of this.sql.loadProcesses()) {
      const host = this.names.get(hostId);
      if (host === undefined) continue;
      let list = byHost.get(host);
      if (!list) byHost.set(host, (list = []));
      list.push(info);
    }
    const out: HostProcess[] = [];
    for (const host of hosts ? [...new Set(hosts)].sort() : this.hostNames()) {
      for (const info of (byHost.get(host) ?? []).sort(byGroupThenName)) out.push({ host, info });
    }
    return out;
  }

  private scheduleViewWrite(): void {
    // After close() began, its own final write takes whatever is pending.
    if (this.closing) return;
    this.viewTimer ??= setTimeout(() => {
      this.viewTimer = null;
      this.writeView().catch((err: unknown) => {
        this.onError(err as FleetError);
        this.scheduleViewWrite();
      });
    }, this.viewWriteMs);
  }

  /** Writes the changed processes and last-seen times (one write at a time); on failure they stay pending. */
  private writeView(): Promise<void> {
    this.viewWrite ??= this.writeViewInChunks().finally(() => {
      this.viewWrite = null;
    });
    return this.viewWrite;
  }

  /**
   * A thousand hosts' processes all changed is 20,000 rows: written by the writer thread in
   * transactions of about VIEW_CHUNK_ROWS rows, so appends and the main thread's writes are not
   * held up for the whole write. A change made meanwhile is marked for the next write.
   */
  private async writeViewInChunks(): Promise<void> {
    if (this.viewTimer) clearTimeout(this.viewTimer);
    this.viewTimer = null;
    if (this.view.size === 0 && this.seen.size === 0) return;
    const changes = this.view.take();
    const seen = [...this.seen];
    this.seen.clear();
    let done = 0;
    let chunkStart = 0;
    try {
      do {
        chunkStart = done;
        const chunk: ViewChunk = { replaced: [], puts: [], removed: [], removedGroups: [], seen: [] };
        let rows = 0;
        while (done < changes.length && rows < VIEW_CHUNK_ROWS) rows += this.addViewChange(chunk, changes[done++]!);
        if (done === changes.length) for (const row of seen) chunk.seen.push(row.id, row.lastSeen);
        await this.writer.request('view', { chunk });
      } while (done < changes.length);
    } catch (err) {
      // The chunk that failed was rolled back: it and the ones after it are written next time.
      this.view.restore(changes.slice(chunkStart));
      for (const row of seen) this.seen.add(row);
      throw storeError(this.path, 'writing the current process view', err);
    }
  }

  /** Adds one host's change to `chunk`; returns the rows it writes. */
  private addViewChange(chunk: ViewChunk, change: HostViewChange): number {
    const id = this.hosts.get(change.host)!.id;
    if (change.kind === 'replace') {
      chunk.replaced.push(id);
      for (const info of change.processes) chunk.puts.push(id, info.group, info.name, JSON.stringify(info));
      return change.processes.length + 1;
    }
    for (const info of change.put) chunk.puts.push(id, info.group, info.name, JSON.stringify(info));
    for (const { group, name } of change.removed) chunk.removed.push(id, group, name);
    for (const group of change.removedGroups) chunk.removedGroups.push(id, group);
    return change.put.length + change.removed.length + change.removedGroups.length;
  }

  // --- actions and history

  async recordAction(action: NewAction): Promise<number> {
    this.checkOpen();
    try {
      return await writeWhenFree(() =>
        this.db.transaction(() => {
          const id = this.sql.insertAction.get(
            action.time,
            action.who,
            action.tokenId ?? '',
            action.origin,
            action.action,
            JSON.stringify(action.addresses),
            JSON.stringify(action.hosts),
            action.result,
          )!;
          for (const host of new Set(action.hosts)) {
            const row = this.hosts.get(host);
            if (row) this.sql.insertActionHost.run(row.id, id);
          }
          return id;
        })(),
      );
    } catch (err) {
      throw storeError(this.path, `recording the action ${JSON.stringify(action.action)}`, err);
    }
  }

  async history(query: HistoryQuery): Promise<HistoryEvent[]> {
    this.checkOpen();
    if (!Number.isSafeInteger(query.limit) || query.limit < 1) {
      throw new FleetError('INCORRECT_PARAMETERS', `history limit must be a positive integer, got ${query.limit}`);
    }
    const selection = resolveSelection(query.select, this.hostNames());
    try {
      return this.historyReader.read(query, selection);
    } catch (err) {
      throw storeError(this.path, 'reading history', err);
    }
  }

  // --- lifecycle

  async prune(): Promise<number> {
    this.checkOpen();
    try {
      return await this.retention.run();
    } catch (err) {
      throw storeError(this.path, 'pruning old events', err);
    }
  }

  async flush(): Promise<void> {
    this.checkOpen();
    await this.hostsAdded();
    await this.queue.flush();
    await this.viewWrite?.catch(() => undefined);
    await this.writeView();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async shutdown(): Promise<void> {
    this.retention.stop();
    await this.retention.idle();
    await this.hostsAdded();
    await this.queue.flush();
    let failure: unknown = null;
    try {
      await this.viewWrite?.catch(() => undefined);
      await this.writeView();
    } catch (err) {
      failure = err;
    }
    await this.writer.close();
    try {
      this.db.close();
    } catch (err) {
      failure ??= storeError(this.path, 'closing it', err);
    }
    if (failure) throw failure;
  }

  private checkOpen(): void {
    if (this.closing) throw closedError(this.path);
  }

  // --- host rows

  /**
   * Resolves once the host rows being added are there, and with them the appends and view
   * changes that waited for them: those callers awaited the same promises first, and a promise's
   * reactions run in the order they were registered, so their work is queued by then.
   */
  private async hostsAdded(): Promise<void> {
    await Promise.allSettled([...this.adding.values()]);
  }

  /** The host's row, added (by the writer, once however many ask at the same time) when new. */
  private ensureHost(name: string): Promise<HostRow> {
    const known = this.hosts.get(name);
    if (known) return Promise.resolve(known);
    let adding = this.adding.get(name);
    if (!adding) {
      adding = this.writer
        .request('add-host', { name })
        .then(
          (id) => this.hosts.get(name) ?? this.addHost({ id, name, labels: {}, agentVersion: '', peer: '', connectedAt: 0, lastSeen: 0, lastSeq: 0 }),
          (err: unknown) => {
            throw storeError(this.path, `adding host ${name}`, err);
          },
        )
        .finally(() => this.adding.delete(name));
      this.adding.set(name, adding);
    }
    return adding;
  }

  private addHost(row: HostRow): HostRow {
    this.hosts.set(row.name, row);
    this.names.set(row.id, row.name);
    this.sortedNames = null;
    return row;
  }

  /** Known host names, sorted. */
  private hostNames(): string[] {
    this.sortedNames ??= [...this.hosts.keys()].sort();
    return this.sortedNames;
  }

  private historyContext(): HistoryContext {
    const { hosts, names } = this;
    const retention = (): SqliteRetention => this.retention;
    return {
      idOf: (name) => hosts.get(name)?.id,
      nameOf: (id) => names.get(id) ?? `#${id}`,
      get hostCount() {
        return hosts.size;
      },
      get eventCount() {
        return retention().count;
      },
    };
  }
}

/**
 * `mkdir -p` with mode 0700, one level at a time: Node's recursive mkdir reports ENOENT where
 * the truth is EROFS or EACCES (and never returns under /proc), which would mislead the operator.
 */
function makeDirs(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirs(parent);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

function toStored(row: HostRow): StoredHost {
  return {
    name: row.name,
    labels: { ...row.labels },
    agentVersion: row.agentVersion,
    lastSeen: row.lastSeen,
    connectedAt: row.connectedAt,
    peer: row.peer,
    lastSeq: row.lastSeq,
  };
}

