import { ConfigValueError } from './errors.js';
import { EVENT_TYPE_NAMES } from './event-types.js';
import type { IniSection } from '../../common/ini.js';
import { normalizePath } from './paths.js';
import { PROGRAM_KEYS, processesFromSection, sectionSuffixName } from './program-section.js';
import { SectionReader, type LoadContext } from './section-reader.js';
import type { EventListenerSettings, FcgiSettings, GroupConfig, ProcessConfig } from './types.js';
import { parseBoolean, parseInteger, parseListOfStrings, parseOctal, parsePort, parseUserGroup, withMessage } from './values.js';

/**
 * Process groups from [group:x], [program:x], [eventlistener:x] and [fcgi-program:x], as
 * supervisord's process_groups_from_parser builds them: a program listed in a [group:x] belongs
 * to that group instead of being a group of its own. Groups and the processes in each are
 * sorted by (priority, name), the order supervisord starts them in.
 */

const GROUP_KEYS: ReadonlySet<string> = new Set(['programs', 'priority']);
const PROGRAM_KEY_SET: ReadonlySet<string> = new Set(PROGRAM_KEYS);
const LISTENER_KEYS: ReadonlySet<string> = new Set([...PROGRAM_KEYS, 'events', 'buffer_size', 'result_handler']);
const FCGI_KEYS: ReadonlySet<string> = new Set([...PROGRAM_KEYS, 'socket', 'socket_backlog', 'socket_owner', 'socket_mode']);
const DEFAULT_RESULT_HANDLER = 'supervisor.dispatchers:default_handler';

function byPriorityThenName<T extends { priority: number; name: string }>(a: T, b: T): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function readGroups(ctx: LoadContext): GroupConfig[] {
  const sections = [...ctx.doc.sections.values()];
  const withPrefix = (prefix: string) => sections.filter((s) => s.name.startsWith(prefix));
  const inHeterogeneousGroup = new Set<string>();
  const groups: GroupConfig[] = [];

  for (const section of withPrefix('group:')) {
    const r = new SectionReader(ctx, section, new Map(ctx.envNames));
    r.warnUnknownKeys(GROUP_KEYS);
    const name = sectionSuffixName(r);
    if (!r.has('programs')) r.error(undefined, `[${section.name}] section requires a "programs" line`);
    const priority = r.read('priority', 999, parseInteger);
    const processes: ProcessConfig[] = [];
    for (const program of r.read('programs', [], parseListOfStrings)) {
      const member = memberSection(ctx, r, program);
      if (!member) continue;
      inHeterogeneousGroup.add(member.name);
      if (member.name.startsWith('fcgi-')) {
        r.warn('programs', `[${member.name}] is a member of [${section.name}]: as in supervisord, its socket is not created`);
      }
      processes.push(...processesFromSection(ctx, member, name).processes);
    }
    groups.push(group(section, name, 'group', priority, processes));
  }

  for (const section of withPrefix('program:')) {
    new SectionReader(ctx, section, ctx.envNames).warnUnknownKeys(PROGRAM_KEY_SET);
    if (inHeterogeneousGroup.has(section.name)) continue;
    const { programName, priority, processes } = processesFromSection(ctx, section, nameOf(section));
    groups.push(group(section, programName, 'program', priority, processes));
  }

  for (const section of withPrefix('eventlistener:')) {
    const r = new SectionReader(ctx, section, new Map(ctx.envNames));
    r.warnUnknownKeys(LISTENER_KEYS);
    // The pool's priority defaults to -1 so listeners start first and stop last; its processes
    // keep the program default of 999, as in supervisord.
    const priority = r.read('priority', -1, parseInteger);
    const eventListener = readListenerSettings(r);
    const { programName, processes } = processesFromSection(ctx, section, nameOf(section));
    if (processes.some((p) => p.stdout.captureMaxbytes > 0)) {
      r.warn('stdout_capture_maxbytes', 'a listener\'s stdout carries the event protocol, so stdout capture does not apply; ignored');
    }
    groups.push({ ...group(section, programName, 'eventlistener', priority, processes), eventListener });
  }

  for (const section of withPrefix('fcgi-program:')) {
    const r = new SectionReader(ctx, section, new Map(ctx.envNames));
    r.warnUnknownKeys(FCGI_KEYS);
    if (inHeterogeneousGroup.has(section.name)) continue;
    const { programName, priority, user, processes } = processesFromSection(ctx, section, nameOf(section));
    const fcgi = readFcgiSettings(ctx, r, programName, user);
    groups.push({ ...group(section, programName, 'fcgi-program', priority, processes), fcgi });
  }

  checkUniqueNames(ctx, groups);
  return groups.sort(byPriorityThenName);
}

/** The name after the colon, unchecked (processesFromSection checks and reports it). */
function nameOf(section: IniSection): string {
  return section.name.slice(section.name.indexOf(':') + 1).trim();
}

function group(section: IniSection, name: string, kind: GroupConfig['kind'], priority: number, processes: ProcessConfig[]): GroupConfig {
  return {
    name,
    kind,
    priority,
    processes: processes.sort(byPriorityThenName),
    eventListener: null,
    fcgi: null,
    location: { file: section.file, line: section.line, section: section.name },
  };
}

/** The [program:x] or [fcgi-program:x] a [group:x] names; exactly one must exist. */
function memberSection(ctx: LoadContext, r: SectionReader, program: string): IniSection | null {
  const asProgram = ctx.doc.sections.get(`program:${program}`);
  const asFcgi = ctx.doc.sections.get(`fcgi-program:${program}`);
  if (asProgram && asFcgi) {
    r.error('programs', `[${r.name}] name ${program} is ambiguous (exists as program and fcgi-program)`);
    return null;
  }
  if (!asProgram && !asFcgi) {
    r.error('programs', `[${r.name}] names unknown program or fcgi-program ${program}`);
    return null;
  }
  return asProgram ?? asFcgi!;
}

function readListenerSettings(r: SectionReader): EventListenerSettings {
  const bufferSize = r.read('buffer_size', 10, parseInteger);
  if (bufferSize < 1) r.error('buffer_size', `[${r.name}] section sets invalid buffer_size (${bufferSize})`);

  const resultHandler = r.read('result_handler', DEFAULT_RESULT_HANDLER, (v) => v.trim());
  if (resultHandler !== DEFAULT_RESULT_HANDLER) {
    r.error(
      'result_handler',
      `${resultHandler} cannot be resolved within [${r.name}] (fleetvisor runs no Python: only ${DEFAULT_RESULT_HANDLER} is available)`,
    );
  }

  const events = [...new Set(r.read('events', [], parseListOfStrings).map((e) => e.toUpperCase()))];
  if (events.length === 0) r.error('events', `[${r.name}] section requires an "events" line`);
  for (const event of events) {
    if (!EVENT_TYPE_NAMES.has(event)) r.error('events', `Unknown event type ${event} in [${r.name}] events`);
  }

  if (r.read('redirect_stderr', false, parseBoolean)) {
    r.error(
      'redirect_stderr',
      `[${r.name}] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol`,
    );
  }
  return { events, bufferSize, resultHandler };
}

/**
 * The fcgi socket options (supervisord's parse_fcgi_socket). `socket` may use program_name and
 * here. Unix socket paths must be absolute; tcp sockets take host:port and no owner or mode.
 */
function readFcgiSettings(ctx: LoadContext, r: SectionReader, programName: string, user: string | null): FcgiSettings {
  const socketBacklog = r.read('socket_backlog', null, (v) => {
    const n = parseInteger(v);
    if (n < 1 || n > 65535) throw new ConfigValueError(`Invalid socket_backlog value ${v}`);
    return n;
  });
  const owner = r.read('socket_owner', null, withMessage((v) => parseUserGroup(v, ctx.accounts), (v) => `Invalid socket_owner value ${v}`));
  const mode = r.read('socket_mode', null, withMessage(parseOctal, (v) => `Invalid socket_mode value ${v}`));

  const socketNames = new Map([...ctx.envNames, ['program_name', programName]]);
  const socket = r.text('socket', { names: socketNames });
  const settings: FcgiSettings = { socket: socket ?? '', socketBacklog, socketOwner: owner, socketMode: mode ?? 0o700 };
  if (!socket) {
    // null with the key set means its expansion failed, which is already reported.
    if (socket === '' || !r.has('socket')) r.error('socket', `[${r.name}] section requires a "socket" line`);
    return settings;
  }
  const fail = (message: string): FcgiSettings => {
    r.error('socket', `${message} in [${r.name}] socket`);
    return settings;
  };
  if (socket.startsWith('unix://')) {
    const path = socket.slice('unix://'.length);
    if (!path.startsWith('/')) return fail(`Unix socket path ${path} is not an absolute path`);
    // Without socket_owner the socket belongs to the program's user (supervisord does this when that user differs from its own).
    return { ...settings, socket: `unix://${normalizePath(path, ctx)}`, socketOwner: owner ?? user };
  }
  if (owner !== null || mode !== null) return fail('socket_owner and socket_mode params should only be used with a Unix domain socket');
  const tcp = /^tcp:\/\/([^\s:]+):(\d+)$/.exec(socket);
  if (!tcp) return fail(`Bad socket format ${socket}`);
  try {
    const port = parsePort(tcp[2]!);
    return { ...settings, socket: `tcp://${tcp[1]!.toLowerCase()}:${port}` };
  } catch (err) {
    return fail((err as Error).message);
  }
}

/** Group names are unique, and so are process names within a group (supervisord would drop one silently). */
function checkUniqueNames(ctx: LoadContext, groups: GroupConfig[]): void {
  const seen = new Map<string, GroupConfig>();
  for (const g of groups) {
    const first = seen.get(g.name);
    if (first) {
      ctx.diags.error(
        g.location,
        `group name '${g.name}' is already used by [${first.location.section}] (${first.location.file}:${first.location.line})`,
      );
    } else {
      seen.set(g.name, g);
    }
    const names = new Set<string>();
    for (const p of g.processes) {
      if (names.has(p.name)) ctx.diags.error(p.location, `process name '${p.name}' is used twice in group '${g.name}'`);
      names.add(p.name);
    }
  }
}
