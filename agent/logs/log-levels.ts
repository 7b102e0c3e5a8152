import type { LogLevel } from '../config/types.js';

/** supervisord's level numbers (supervisor/loggers.py LevelsByName): higher is more severe. */
export const LEVEL_NUMBERS: Readonly<Record<LogLevel, number>> = {
  critical: 50,
  error: 40,
  warn: 30,
  info: 20,
  debug: 10,
  trace: 5,
  blather: 3,
};

/** The four-letter names written in activity-log lines. */
export const LEVEL_NAMES: Readonly<Record<LogLevel, string>> = {
  critical: 'CRIT',
  error: 'ERRO',
  warn: 'WARN',
  info: 'INFO',
  debug: 'DEBG',
  trace: 'TRAC',
  blather: 'BLAT',
};

/** Whether a message at `level` is written when the log is set to `threshold` (loglevel=). */
export function levelEnabled(threshold: LogLevel, level: LogLevel): boolean {
  return LEVEL_NUMBERS[level] >= LEVEL_NUMBERS[threshold];
}
