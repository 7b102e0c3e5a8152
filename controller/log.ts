/**
 * The controller's own log: one line per event on stderr, `2026-11-22 10:00:01,123 WARN ...`,
 * the format of supervisord's activity log so the two read alike side by side.
 */
export type ControllerLogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface ControllerLog {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

const RANK: Record<ControllerLogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

function timestamp(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

export function createControllerLog(out: { write(text: string): unknown }, level: ControllerLogLevel = 'info'): ControllerLog {
  const at = (l: ControllerLogLevel) => (message: string): void => {
    if (RANK[l] <= RANK[level]) out.write(`${timestamp(new Date())} ${l.toUpperCase()} ${message}\n`);
  };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

/** A log that drops everything (library use and tests that do not look at it). */
export const silentLog: ControllerLog = { error() {}, warn() {}, info() {}, debug() {} };
