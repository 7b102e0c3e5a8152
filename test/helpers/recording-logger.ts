import type { LogLevel } from '../../agent/config/types.js';
import type { Logger } from '../../agent/logs/logger.js';

/** An activity log that keeps every line in memory, as [level, message]. */
export function recordingLogger(): Logger & { lines: Array<[LogLevel, string]> } {
  const lines: Array<[LogLevel, string]> = [];
  const log = (level: LogLevel, message: string): void => void lines.push([level, message]);
  return {
    lines,
    log,
    critical: (m) => log('critical', m),
    error: (m) => log('error', m),
    warn: (m) => log('warn', m),
    info: (m) => log('info', m),
    debug: (m) => log('debug', m),
    trace: (m) => log('trace', m),
    blather: (m) => log('blather', m),
  };
}
