/**
 * The store's writer thread: its own connection to the database, doing the bulk writes (agent
 * events, the process view, host rows, pruning) one request at a time, each in one transaction,
 * so the controller's event loop never waits for SQLite while agents stream. The main thread
 * migrates the database before starting it, and answers nothing until it has the reply: an
 * event is acked only after its transaction here committed.
 */
import { readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { INSERT_COLUMNS, ROW_WIDTH } from '../../common/event-rows.js';
import { configureConnection, openDatabase } from './sqlite-connection.js';
import { SqliteStatements } from './sqlite-statements.js';
import { forEachPackedRow, type PackedEvents, type ViewChunk, type WriterRequest, type WriterResponse } from './sqlite-writer-protocol.js';

export interface WriterThreadData {
  path: string;
}

/**
 * Under a full CPU the event loop goes first (commands, results, listings, heartbeats), and the
 * store catches up when it is free: ingest's backlog bound holds the agents back meanwhile. On
 * Linux the nice value is per thread; elsewhere, or if refused, the thread keeps its priority.
 */
function yieldToEventLoop(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, constants.priority.PRIORITY_BELOW_NORMAL);
  } catch {
    // Not Linux, or not allowed: the writer runs at the controller's priority.
  }
}

yieldToEventLoop();
const { path } = workerData as WriterThreadData;
const port = parentPort!;
// A writer may wait its turn behind the main thread's rare writes (actions, tokens): it is not
// the event loop, so it can afford to wait longer than the main connection. Opening cannot
// fail here without the main thread hearing why: every request answers with that error.
let db: Database.Database;
let sql: SqliteStatements;
let appendTx: (events: PackedEvents) => Uint8Array;
let viewTx: (chunk: ViewChunk) => void;
let openError: unknown = null;
try {
  db = openDatabase(path, 5000);
  configureConnection(db, { cacheMiB: 32, checkpointPages: 10_000 });
  sql = new SqliteStatements(db);
  appendTx = db.transaction(appendEvents);
  viewTx = db.transaction(writeView);
} catch (err) {
  openError = err;
}

function appendEvents(events: PackedEvents): Uint8Array {
  const stored = new Uint8Array(events.numbers.length / ROW_WIDTH);
  const columns: unknown[] = new Array(INSERT_COLUMNS);
  forEachPackedRow(events, (rows, i, hostId) => {
    stored[i] = sql.insertEventColumns(rows.insertColumns(i, hostId, columns)) ? 1 : 0;
  });
  for (let i = 0; i < events.lastSeqs.length; i += 2) sql.setLastSeq.run(events.lastSeqs[i + 1]!, events.lastSeqs[i]!);
  return stored;
}

function writeView(chunk: ViewChunk): void {
  for (const id of chunk.replaced) sql.deleteHostProcesses.run(id);
  const { puts, removed, removedGroups, seen } = chunk;
  // Removals first: a put in the same chunk is newer than any removal that covers it (view-changes.ts).
  for (let i = 0; i < removedGroups.length; i += 2) sql.deleteGroupProcesses.run(removedGroups[i] as number, removedGroups[i + 1] as string);
  for (let i = 0; i < removed.length; i += 3) sql.deleteProcess.run(removed[i] as number, removed[i + 1] as string, removed[i + 2] as string);
  for (let i = 0; i < puts.length; i += 4) sql.putProcess.run(puts[i] as number, puts[i + 1] as string, puts[i + 2] as string, puts[i + 3] as string);
  for (let i = 0; i < seen.length; i += 2) sql.setLastSeen.run(seen[i + 1]!, seen[i]!);
}

function handle(request: WriterRequest): unknown {
  if (openError !== null) {
    if (request.op === 'close') return null;
    throw openError;
  }
  switch (request.op) {
    case 'ready':
      return null;
    case 'connect':
      return sql.connectHost.get(request.name, request.labels, request.agentVersion, request.peer, request.time, request.time);
    case 'add-host':
      return sql.insertHost.get(request.name);
    case 'append':
      return appendTx(request.events);
    case 'view':
      viewTx(request.chunk);
      return null;
    case 'prune': {
      const { olderThan, oldest, stepRows } = request.step;
      let n = olderThan === null ? 0 : sql.deleteOlder.run(olderThan, stepRows).changes;
      if (n === 0 && oldest > 0) n = sql.deleteOldest.run(Math.min(stepRows, oldest)).changes;
      return n;
    }
    case 'close':
      db.close();
      return null;
  }
}

port.on('message', (request: WriterRequest) => {
  let response: WriterResponse;
  const transfer: ArrayBuffer[] = [];
  try {
    const result = handle(request);
    if (result instanceof Uint8Array) transfer.push(result.buffer as ArrayBuffer);
    response = { id: request.id, ok: true, result };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    response = { id: request.id, ok: false, error: { message: err instanceof Error ? err.message : String(err), code: typeof code === 'string' ? code : '' } };
  }
  port.postMessage(response, transfer);
  if (request.op === 'close') port.close();
});
