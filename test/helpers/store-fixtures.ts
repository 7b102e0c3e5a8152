/** Builders for the controller store's tests: events, process infos and a store in a temp dir. */
import { join } from 'node:path';
import { EventRows } from '../../common/event-rows.js';
import type { AgentEvent, ExitEvent, GapEvent, TransitionEvent } from '../../common/fleet-event.js';
import type { ProcessInfo } from '../../common/process-info.js';
import { processStateCode, type ProcessState } from '../../common/process-state.js';
import { openSqliteStore, type SqliteStoreOptions } from '../../controller/store/sqlite-store.js';
import type { AppendResult, FleetStore } from '../../controller/store/store.js';

/** A transition of `group:name` (default `web:web`) at `time` (default 1_000 + seq). */
export function transition(host: string, seq: number, overrides: Partial<TransitionEvent> = {}): TransitionEvent {
  return { kind: 'transition', host, seq, time: 1_000 + seq, group: 'web', name: 'web', from: 'STARTING', to: 'RUNNING', pid: 100 + seq, ...overrides };
}

export function exit(host: string, seq: number, overrides: Partial<ExitEvent> = {}): ExitEvent {
  return { kind: 'exit', host, seq, time: 1_000 + seq, group: 'web', name: 'web', pid: 100, exitStatus: 1, signal: null, expected: false, ...overrides };
}

export function gap(host: string, seq: number, fromSeq: number, toSeq: number, overrides: Partial<GapEvent> = {}): GapEvent {
  return { kind: 'gap', host, seq, time: 1_000 + seq, fromSeq, toSeq, ...overrides };
}

/** store.appendEvents with `events` as one batch of rows; events the rows refuse reject it. */
export async function appendAll(store: FleetStore, host: string, events: readonly AgentEvent[]): Promise<AppendResult> {
  return store.appendEvents(host, [EventRows.fromEvents(events)]);
}

/** `count` transitions of `host` from seq `from`. */
export function transitions(host: string, from: number, count: number): TransitionEvent[] {
  return Array.from({ length: count }, (_, i) => transition(host, from + i));
}

export function processInfo(group: string, name: string, state: ProcessState = 'RUNNING', overrides: Partial<ProcessInfo> = {}): ProcessInfo {
  const running = state === 'RUNNING';
  return {
    name,
    group,
    description: running ? 'pid 4242, uptime 0:00:05' : 'Not started',
    start: running ? 1_700_000_000 : 0,
    stop: 0,
    now: 1_700_000_005,
    state: processStateCode(state),
    statename: state,
    spawnerr: '',
    exitstatus: 0,
    stdoutLogfile: `/var/log/${name}.log`,
    stderrLogfile: '',
    pid: running ? 4242 : 0,
    ...overrides,
  };
}

/** The store's file in `dir`. */
export function dbPath(dir: string): string {
  return join(dir, 'fleet.db');
}

/** Opens a store on `dir`/fleet.db with a short batch window; the background pruner is off unless asked for. */
export function openStore(dir: string, options: Partial<SqliteStoreOptions> = {}): Promise<FleetStore> {
  return openSqliteStore({
    path: dbPath(dir),
    batchWindowMs: 5,
    ...options,
    retention: { maxAgeMs: null, maxEvents: null, intervalMs: 3_600_000, ...options.retention },
  });
}
