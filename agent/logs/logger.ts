import type { LogLevel } from '../config/types.js';

/** The activity log's interface, as the engine and the daemon see it. */
export interface Logger {
  log(level: LogLevel, message: string): void;
  critical(message: string): void;
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  trace(message: string): void;
  blather(message: string): void;
}
