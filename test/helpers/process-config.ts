import type { ChannelConfig, ProcessConfig } from '../../agent/config/types.js';

const CHANNEL: ChannelConfig = {
  logfile: { kind: 'auto' },
  maxbytes: 50 * 1024 * 1024,
  backups: 10,
  captureMaxbytes: 0,
  eventsEnabled: false,
  syslog: false,
};

/** A [program:x] process with every default of reference section 1.4. */
export function program(name: string, command: string, overrides: Partial<ProcessConfig> = {}): ProcessConfig {
  return {
    name,
    group: name,
    programName: name,
    processNum: 0,
    command,
    priority: 999,
    autostart: true,
    startsecs: 1,
    startretries: 3,
    autorestart: 'unexpected',
    exitcodes: [0],
    stopsignal: 'SIGTERM',
    stopwaitsecs: 10,
    stopasgroup: false,
    killasgroup: false,
    user: null,
    redirectStderr: false,
    stdout: { ...CHANNEL },
    stderr: { ...CHANNEL },
    environment: null,
    directory: null,
    umask: null,
    serverurl: 'AUTO',
    location: { file: 'test.conf', line: 0 },
    ...overrides,
  };
}
