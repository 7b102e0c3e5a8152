/**
 * The typed result of reading a supervisord.conf. Every field is present with its default
 * applied (reference/supervisor.md section 1.4); nothing downstream looks up a default again.
 * All objects are plain data (no class instances, no functions) so two configs can be compared
 * field by field, which is how `update` decides what changed.
 */

import type { ConfigDiagnostic, ConfigLocation } from '../../common/config-diagnostic.js';

export type { ConfigDiagnostic, ConfigLocation } from '../../common/config-diagnostic.js';

export type ConfigResult =
  | { ok: true; config: Config; warnings: ConfigDiagnostic[] }
  | { ok: false; errors: ConfigDiagnostic[]; warnings: ConfigDiagnostic[] };

export type LogLevel = 'critical' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'blather';

/** `autorestart`: false, unexpected, true. */
export type Autorestart = 'false' | 'unexpected' | 'true';

/** A log file option: a path, AUTO (a generated name in childlogdir) or NONE (no file). */
export type LogFileSetting = { kind: 'auto' } | { kind: 'none' } | { kind: 'file'; path: string };

/** Signal names are canonical, with the SIG prefix: 'SIGTERM'. */
export type SignalName = NodeJS.Signals;

export interface ChannelConfig {
  logfile: LogFileSetting;
  maxbytes: number;
  backups: number;
  captureMaxbytes: number;
  eventsEnabled: boolean;
  syslog: boolean;
}

/** One process: a [program:x] section expanded once per process_num. */
export interface ProcessConfig {
  /** The process name after expansion of process_name. */
  name: string;
  /** The group it belongs to: the program name, or the [group:x] that lists it. */
  group: string;
  /** The section name after the colon. */
  programName: string;
  processNum: number;
  /** The expanded command line, split into argv only at spawn time (as supervisord does). */
  command: string;
  priority: number;
  autostart: boolean;
  /** Seconds; 0 means no minimum. */
  startsecs: number;
  startretries: number;
  autorestart: Autorestart;
  exitcodes: number[];
  stopsignal: SignalName;
  stopwaitsecs: number;
  stopasgroup: boolean;
  killasgroup: boolean;
  user: string | null;
  redirectStderr: boolean;
  stdout: ChannelConfig;
  stderr: ChannelConfig;
  /** The program's own environment= (expanded for this process), or null. */
  environment: Record<string, string> | null;
  directory: string | null;
  umask: number | null;
  /** 'AUTO' or a URL; passed to the child as SUPERVISOR_SERVER_URL. */
  serverurl: string;
  /** Where the section was defined, for messages. */
  location: ConfigLocation;
}

export type GroupKind = 'program' | 'group' | 'fcgi-program' | 'eventlistener';

export interface EventListenerSettings {
  /** Event type names as written (upper case), validated against the known types. */
  events: string[];
  bufferSize: number;
  resultHandler: string;
}

export interface FcgiSettings {
  /** `tcp://host:port` or `unix:///abs/path`. */
  socket: string;
  socketBacklog: number | null;
  socketOwner: string | null;
  socketMode: number;
}

export interface GroupConfig {
  name: string;
  kind: GroupKind;
  priority: number;
  /** Sorted by (priority, name), the order supervisord starts them in. */
  processes: ProcessConfig[];
  eventListener: EventListenerSettings | null;
  fcgi: FcgiSettings | null;
  location: ConfigLocation;
}

export interface SupervisordSettings {
  logfile: string;
  logfileMaxbytes: number;
  logfileBackups: number;
  loglevel: LogLevel;
  pidfile: string;
  umask: number;
  nodaemon: boolean;
  silent: boolean;
  minfds: number;
  minprocs: number;
  nocleanup: boolean;
  childlogdir: string;
  user: string | null;
  directory: string | null;
  stripAnsi: boolean;
  environment: Record<string, string> | null;
  identifier: string;
}

export interface UnixHttpServerSettings {
  file: string;
  chmod: number;
  chown: string | null;
  username: string | null;
  password: string | null;
}

export interface InetHttpServerSettings {
  /** Host part; '' means all interfaces. */
  host: string;
  port: number;
  username: string | null;
  password: string | null;
}

export interface SupervisorctlSettings {
  serverurl: string;
  username: string | null;
  password: string | null;
  prompt: string;
  historyFile: string | null;
}

/** fleetvisor's own [fleet] section (DESIGN.md), ignored by supervisord. */
export interface FleetSettings {
  host: string;
  labels: Record<string, string>;
  controller: string | null;
  insecure: boolean;
  stateDir: string;
  /**
   * The bound of the controller link's on-disk spool (events not yet acked). When it is full the
   * oldest events are dropped and a gap event records which.
   */
  spoolMaxBytes: number;
  /**
   * Enrollment on start: a join token (`fleetctl token create --role join`) and the
   * controller's CA fingerprint (`sha256:...`), used when state_dir holds no certificate yet.
   * Both or neither.
   */
  joinToken: string | null;
  caFingerprint: string | null;
}

export interface Config {
  /** Absolute path of the main config file. */
  file: string;
  /** Every file read, the main one first, then includes in the order read. */
  files: string[];
  supervisord: SupervisordSettings;
  unixHttpServer: UnixHttpServerSettings | null;
  inetHttpServer: InetHttpServerSettings | null;
  supervisorctl: SupervisorctlSettings;
  fleet: FleetSettings;
  /** Sorted by (priority, name). */
  groups: GroupConfig[];
}

/** Values given on fleet-agent's command line; they override the file. */
export interface SupervisordOverrides {
  logfile?: string;
  logfileMaxbytes?: number;
  logfileBackups?: number;
  loglevel?: LogLevel;
  pidfile?: string;
  umask?: number;
  nodaemon?: boolean;
  silent?: boolean;
  minfds?: number;
  minprocs?: number;
  nocleanup?: boolean;
  childlogdir?: string;
  user?: string;
  directory?: string;
  stripAnsi?: boolean;
  identifier?: string;
}

export interface LoadOptions {
  /** The environment used for %(ENV_X)s; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** %(host_node_name)s; defaults to os.hostname(). */
  hostname?: string;
  /** The working directory for relative defaults (logfile, pidfile); defaults to process.cwd(). */
  cwd?: string;
  overrides?: SupervisordOverrides;
}
