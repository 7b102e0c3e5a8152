import { FleetError } from '../../common/errors.js';
import type { LogLevel, SupervisordSettings } from '../config/types.js';
import { LEVEL_NAMES, levelEnabled } from './log-levels.js';
import { logFileError } from './log-file-error.js';
import type { Logger } from './logger.js';
import { RotatingFile } from './rotating-file.js';

/** The [supervisord] settings the activity log follows. */
export type ActivityLogSettings = Pick<
  SupervisordSettings,
  'logfile' | 'logfileMaxbytes' | 'logfileBackups' | 'loglevel' | 'nodaemon' | 'silent'
>;

export interface TextSink {
  write(text: string): unknown;
}

export interface ActivityLogOptions {
  /** Where lines are echoed when nodaemon is set and silent is not; process.stdout by default. */
  stdout?: TextSink;
  /** Where a failing log file is reported; process.stderr by default. */
  stderr?: TextSink;
  /** Epoch ms; Date.now by default. */
  clock?: () => number;
}

/**
 * Opens the activity log (supervisord's main log) at `settings.logfile`, rotating by
 * logfile_maxbytes / logfile_backups like the child logs. Throws a CONFIG_INVALID FleetError that
 * names the path when it cannot be opened, and for `logfile=syslog`, which fleetvisor refuses:
 * Node has no syslog(3), and its dgram module cannot reach /dev/log.
 */
export function openActivityLog(settings: ActivityLogSettings, options: ActivityLogOptions = {}): ActivityLog {
  if (settings.logfile === 'syslog') {
    throw new FleetError('CONFIG_INVALID', 'logfile=syslog is not supported by fleetvisor: set [supervisord] logfile to a file path (or /dev/stdout with logfile_maxbytes=0)');
  }
  let file: RotatingFile;
  try {
    file = new RotatingFile(settings.logfile, { maxBytes: settings.logfileMaxbytes, backups: settings.logfileBackups });
  } catch (err) {
    throw logFileError('logfile', settings.logfile, err);
  }
  const echo = settings.nodaemon && !settings.silent ? (options.stdout ?? process.stdout) : null;
  return new ActivityLog(file, settings.loglevel, echo, options.stderr ?? process.stderr, options.clock ?? Date.now);
}

/**
 * The activity log: one line per message, `YYYY-MM-DD HH:MM:SS,mmm LEVL message`, in local time,
 * as supervisord writes them (format `%(asctime)s %(levelname)s %(message)s\n`). A message with
 * newlines is written as is, followed by one newline. Messages below the log's level are dropped.
 * Writes are synchronous, so a line is in the file when log() returns.
 */
export class ActivityLog implements Logger, Disposable {
  readonly level: LogLevel;
  private readonly file: RotatingFile;
  private readonly echo: TextSink | null;
  private readonly stderr: TextSink;
  private readonly clock: () => number;
  /** Set after a write failure was reported on stderr, cleared by the next good write. */
  private failing = false;
  private closed = false;

  constructor(file: RotatingFile, level: LogLevel, echo: TextSink | null, stderr: TextSink, clock: () => number) {
    this.file = file;
    this.level = level;
    this.echo = echo;
    this.stderr = stderr;
    this.clock = clock;
  }

  /** The file written to. */
  get path(): string {
    return this.file.path;
  }

  /** Whether a message at `level` would be written; lets callers skip building costly messages. */
  isEnabledFor(level: LogLevel): boolean {
    return levelEnabled(this.level, level);
  }

  log(level: LogLevel, message: string): void {
    if (this.closed || !levelEnabled(this.level, level)) return;
    const line = formatActivityLine(this.clock(), level, message);
    this.echo?.write(line);
    try {
      this.file.write(Buffer.from(line));
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.stderr.write(`fleet-agent: could not write to ${this.file.path}: ${err instanceof Error ? err.message : String(err)}\n`);
      this.failing = true;
    }
  }

  critical(message: string): void {
    this.log('critical', message);
  }
  error(message: string): void {
    this.log('error', message);
  }
  warn(message: string): void {
    this.log('warn', message);
  }
  info(message: string): void {
    this.log('info', message);
  }
  debug(message: string): void {
    this.log('debug', message);
  }
  trace(message: string): void {
    this.log('trace', message);
  }
  blather(message: string): void {
    this.log('blather', message);
  }

  /** Reopens the file at the same path (SIGUSR2). Throws a FleetError naming the path if that fails; the old file stays in use. */
  reopen(): void {
    try {
      this.file.reopen();
    } catch (err) {
      throw logFileError('logfile', this.file.path, err);
    }
  }

  /** Closes the file; later messages are dropped. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.file.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** One activity-log line, newline included; `time` in epoch ms, shown in local time. */
export function formatActivityLine(time: number, level: LogLevel, message: string): string {
  const d = new Date(time);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)}`;
  const clock = `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)},${pad(d.getMilliseconds(), 3)}`;
  return `${date} ${clock} ${LEVEL_NAMES[level]} ${message}\n`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
