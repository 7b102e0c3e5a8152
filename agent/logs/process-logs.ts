import { unlinkSync } from 'node:fs';
import type { ChannelConfig, ProcessConfig, SupervisordSettings } from '../config/types.js';
import { createAutoLog } from './auto-log.js';
import { createChannelLog } from './channel-log.js';
import { levelEnabled } from './log-levels.js';
import { logFileError } from './log-file-error.js';
import type { Logger } from './logger.js';
import { pyBytesRepr, pyRepr } from '../../common/python-repr.js';
import { RotatingFile } from './rotating-file.js';
import type { CapturedChunk, ChannelLog, ProcessLogs } from './types.js';

export interface ProcessLogsOptions {
  config: ProcessConfig;
  settings: Pick<SupervisordSettings, 'childlogdir' | 'identifier' | 'stripAnsi' | 'loglevel'>;
  /** The activity log: write failures go there, and at loglevel debug or lower a copy of all output. */
  logger: Logger;
  /** Epoch ms for capture times; Date.now by default. */
  clock?: () => number;
}

type Channel = 'stdout' | 'stderr';

/**
 * Opens the logs of one process, when its group is created; they live until the group is removed,
 * across restarts. Per channel: a file with its own maxbytes/backups, an AUTO file created now in
 * childlogdir (supervisord's create_autochildlogs), or nothing for NONE. With redirect_stderr
 * there is no stderr log at all. At loglevel debug (or trace, blather) every chunk is also copied
 * into the activity log, as supervisord does.
 *
 * Throws a CONFIG_INVALID FleetError naming the path when a file cannot be opened or created
 * (missing directory, no permission); nothing opened or created by this call is left behind.
 */
export function openProcessLogs(options: ProcessLogsOptions): ProcessLogs {
  const { config } = options;
  const opened: ChannelLog[] = [];
  const created: string[] = [];
  try {
    const stdout = openChannel(options, 'stdout', config.stdout, created);
    opened.push(stdout);
    const stderr = config.redirectStderr ? null : openChannel(options, 'stderr', config.stderr, created);
    if (stderr !== null) opened.push(stderr);
    return new ChannelPair(stdout, stderr);
  } catch (err) {
    for (const log of opened) void log.close();
    // The AUTO files just made are empty and would otherwise wait for the next start's cleanup.
    for (const path of created) {
      try {
        unlinkSync(path);
      } catch {
        // Failing to remove one must not hide the error that matters.
      }
    }
    throw err;
  }
}

function openChannel(options: ProcessLogsOptions, channel: Channel, channelConfig: ChannelConfig, created: string[]): ChannelLog {
  const { config, settings, logger } = options;
  const setting = channelConfig.logfile;
  let file: RotatingFile | null = null;
  if (setting.kind !== 'none') {
    let path: string;
    if (setting.kind === 'auto') {
      try {
        path = createAutoLog(settings.childlogdir, config.name, channel, settings.identifier);
      } catch (err) {
        throw logFileError(`AUTO ${channel}_logfile of ${config.name} in childlogdir`, settings.childlogdir, err);
      }
      created.push(path);
    } else {
      path = setting.path;
    }
    try {
      file = new RotatingFile(path, { maxBytes: channelConfig.maxbytes, backups: channelConfig.backups });
    } catch (err) {
      throw logFileError(`${channel}_logfile of ${config.name}`, path, err);
    }
  }
  const log = createChannelLog({ channel, file, stripAnsi: settings.stripAnsi, logger, clock: options.clock });
  if (levelEnabled(settings.loglevel, 'debug')) log.onChunk(mirrorTo(logger, config.name));
  return log;
}

/**
 * supervisord's copy of child output into the activity log at DEBG:
 * `'<name>' <channel> output:\n<data>`, data decoded as UTF-8 chunk by chunk, or shown as
 * `Undecodable: b'...'` when a chunk is not valid UTF-8 (a character split between reads included).
 */
function mirrorTo(logger: Logger, name: string): (chunk: CapturedChunk) => void {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const prefix = pyRepr(name);
  return (chunk) => {
    let text: string;
    try {
      text = decoder.decode(chunk.data);
    } catch {
      text = `Undecodable: ${pyBytesRepr(chunk.data)}`;
    }
    logger.debug(`${prefix} ${chunk.channel} output:\n${text}`);
  };
}

class ChannelPair implements ProcessLogs {
  private closed = false;

  constructor(
    readonly stdout: ChannelLog,
    readonly stderr: ChannelLog | null,
  ) {}

  /** Reopens both channels; if one fails the other is still reopened, then the first error is thrown. */
  reopen(): void {
    let failure: unknown = null;
    for (const log of [this.stdout, this.stderr]) {
      try {
        log?.reopen();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== null) throw failure;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.stdout.close(), this.stderr?.close()]);
  }
}
