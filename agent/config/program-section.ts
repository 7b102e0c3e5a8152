import { parseEnvironment } from './environment.js';
import { ConfigValueError } from './errors.js';
import type { ExpansionValue } from './expand.js';
import type { IniSection } from '../../common/ini.js';
import { existingDirpath } from './paths.js';
import { SectionReader, type LoadContext, type Names } from './section-reader.js';
import type { ChannelConfig, LogFileSetting, ProcessConfig } from './types.js';
import {
  parseAutorestart,
  parseBoolean,
  parseByteSize,
  parseExitCodes,
  parseInteger,
  parseLogFileName,
  parseName,
  parseOctal,
  parseSignal,
  parseUser,
} from './values.js';

/** Options of [program:x]; [fcgi-program:x] and [eventlistener:x] add their own (see groups.ts). */
export const PROGRAM_KEYS: readonly string[] = [
  'command', 'process_name', 'numprocs', 'numprocs_start', 'priority', 'autostart', 'startsecs', 'startretries',
  'autorestart', 'exitcodes', 'stopsignal', 'stopwaitsecs', 'stopasgroup', 'killasgroup', 'user', 'redirect_stderr',
  ...['stdout', 'stderr'].flatMap((ch) =>
    ['logfile', 'logfile_maxbytes', 'logfile_backups', 'capture_maxbytes', 'events_enabled', 'syslog'].map((k) => `${ch}_${k}`),
  ),
  'environment', 'directory', 'umask', 'serverurl',
];

const MB = 1024 * 1024;

/** The name after the colon of `[program:x]`, checked as a process/group name. */
export function sectionSuffixName(r: SectionReader): string {
  const suffix = r.name.slice(r.name.indexOf(':') + 1);
  try {
    return parseName(suffix);
  } catch (err) {
    if (!(err instanceof ConfigValueError)) throw err;
    r.error(undefined, err.message);
    return suffix.trim();
  }
}

export interface ProgramProcesses {
  programName: string;
  /** The program's priority, which is also its group's when it is a group of its own. */
  priority: number;
  /** The program's user=, which an fcgi socket belongs to by default. */
  user: string | null;
  processes: ProcessConfig[];
}

/**
 * The processes of one program-like section as members of `groupName`, following supervisord's
 * _processes_from_section: options read once per section may use program_name, group_name,
 * host_node_name, here and ENV_X; the per-process options (process_name, command, directory,
 * environment, the log file options) may also use process_num, numprocs and the ENV_X of the
 * program's own environment, which is expanded once per process.
 */
export function processesFromSection(ctx: LoadContext, section: IniSection, groupName: string): ProgramProcesses {
  const programNames = new Map<string, ExpansionValue>(ctx.envNames);
  const r = new SectionReader(ctx, section, programNames);
  const programName = sectionSuffixName(r);
  programNames.set('program_name', programName);
  programNames.set('host_node_name', ctx.hostname);
  programNames.set('group_name', groupName);

  const priority = r.read('priority', 999, parseInteger);
  const autostart = r.read('autostart', true, parseBoolean);
  const autorestart = r.read('autorestart', 'unexpected', parseAutorestart);
  const startsecs = r.read('startsecs', 1, parseInteger);
  const startretries = r.read('startretries', 3, parseInteger);
  const stopsignal = r.read('stopsignal', 'SIGTERM', parseSignal);
  const stopwaitsecs = r.read('stopwaitsecs', 10, parseInteger);
  const stopasgroup = r.read('stopasgroup', false, parseBoolean);
  const killasgroup = r.read('killasgroup', stopasgroup, parseBoolean);
  const exitcodes = r.read('exitcodes', [0], parseExitCodes);
  const redirectStderr = r.read('redirect_stderr', false, parseBoolean);
  const numprocs = r.read('numprocs', 1, parseInteger);
  const numprocsStart = r.read('numprocs_start', 0, parseInteger);
  const environmentText = r.text('environment', { expand: false });
  const capture = {
    stdout: r.read('stdout_capture_maxbytes', 0, parseByteSize),
    stderr: r.read('stderr_capture_maxbytes', 0, parseByteSize),
  };
  const events = {
    stdout: r.read('stdout_events_enabled', false, parseBoolean),
    stderr: r.read('stderr_events_enabled', false, parseBoolean),
  };
  const serverurlText = r.text('serverurl');
  const serverurl = !serverurlText || serverurlText.trim().toUpperCase() === 'AUTO' ? 'AUTO' : serverurlText;
  const user = r.read('user', null, (v) => parseUser(v, ctx.accounts));
  const umask = r.read('umask', null, parseOctal);
  const processNameTemplate = r.read('process_name', '%(program_name)s', parseName, { expand: false });

  if (numprocs < 0) r.error('numprocs', 'numprocs must not be negative');
  let count = Math.max(0, numprocs);
  if (numprocs > 1 && !processNameTemplate.includes('%(process_num)')) {
    r.error(
      r.has('process_name') ? 'process_name' : 'numprocs',
      '%(process_num) must be present within process_name when numprocs > 1',
    );
    count = 1; // still check the per-process options once
  }
  if (stopasgroup && !killasgroup) r.error('killasgroup', 'Cannot set stopasgroup=true and killasgroup=false');

  const processes: ProcessConfig[] = [];
  for (let processNum = numprocsStart; processNum < numprocsStart + count; processNum++) {
    const names = new Map(programNames);
    names.set('process_num', processNum);
    names.set('numprocs', numprocs);

    let environment: Record<string, string> | null = null;
    if (environmentText !== null) {
      const expanded = r.expandAs('environment', environmentText, names, 'environment');
      if (expanded !== null) environment = r.convert('environment', expanded, {}, parseEnvironment);
      for (const [k, v] of Object.entries(environment ?? {})) names.set(`ENV_${k}`, v);
    }
    const directory = r.text('directory', { names });
    const stdout = readChannel(r, 'stdout', names, capture.stdout, events.stdout, false);
    const stderr = readChannel(r, 'stderr', names, capture.stderr, events.stderr, redirectStderr);
    if (redirectStderr) {
      if (stderr.logfile.kind === 'file') {
        r.warn(
          'stderr_logfile',
          `For [${r.name}], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored`,
        );
      }
      stderr.logfile = { kind: 'none' };
    }
    const command = r.text('command', { names });
    if (!r.has('command')) r.error(undefined, `program section ${r.name} does not specify a command`);
    const expandedName = r.expandAs('process_name', processNameTemplate, names, 'process_name');
    const name = expandedName === null ? programName : r.convert('process_name', expandedName, programName, parseName);

    processes.push({
      name,
      group: groupName,
      programName,
      processNum,
      command: command ?? '',
      priority,
      autostart,
      startsecs,
      startretries,
      autorestart,
      exitcodes: [...exitcodes],
      stopsignal,
      stopwaitsecs,
      stopasgroup,
      killasgroup,
      user,
      redirectStderr,
      stdout,
      stderr,
      environment,
      directory,
      umask,
      serverurl,
      location: { file: section.file, line: section.line, section: section.name },
    });
  }
  return { programName, priority, user, processes };
}

/** One output channel's options, with supervisord's syslog rewrite and its AUTO-without-rollover warning. */
function readChannel(
  r: SectionReader,
  channel: 'stdout' | 'stderr',
  names: Names,
  captureMaxbytes: number,
  eventsEnabled: boolean,
  redirected: boolean,
): ChannelConfig {
  const logfileKey = `${channel}_logfile`;
  const maxbytesKey = `${channel}_logfile_maxbytes`;
  let logfile: LogFileSetting = { kind: 'auto' };
  let syslog = r.read(`${channel}_syslog`, false, parseBoolean, { names });
  const text = r.text(logfileKey, { names });
  if (text !== null) {
    const parsed = parseLogFileName(text);
    if (parsed.kind === 'syslog') {
      r.warn(
        logfileKey,
        `For [${r.name}], ${logfileKey}=syslog but this is deprecated and will be removed.  ` +
          `Use ${channel}_syslog=true to enable syslog instead.`,
      );
      logfile = { kind: 'none' };
      syslog = true;
    } else if (parsed.kind === 'file') {
      logfile = { kind: 'file', path: r.convert(logfileKey, parsed.path, parsed.path, (p) => existingDirpath(p, r.ctx)) };
    } else {
      logfile = parsed;
    }
  }
  const maxbytes = r.read(maxbytesKey, 50 * MB, parseByteSize, { names });
  // supervisord also warns for a redirected stderr, which never gets a log; that warning is noise.
  if (logfile.kind === 'auto' && maxbytes === 0 && !redirected) {
    r.warn(
      r.has(maxbytesKey) ? maxbytesKey : logfileKey,
      `For [${r.name}], AUTO logging used for ${logfileKey} without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally`,
    );
  }
  return {
    logfile,
    maxbytes,
    backups: r.read(`${channel}_logfile_backups`, 10, parseInteger, { names }),
    captureMaxbytes,
    eventsEnabled,
    syslog,
  };
}
