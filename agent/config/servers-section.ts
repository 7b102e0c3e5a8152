import { normalizePath } from './paths.js';
import { SectionReader, type LoadContext } from './section-reader.js';
import type { InetHttpServerSettings, SupervisorctlSettings, UnixHttpServerSettings } from './types.js';
import { parseInetAddress, parseOctal, parseUserGroup, withMessage } from './values.js';

/**
 * The control servers ([unix_http_server], [inet_http_server]), the [supervisorctl] client
 * settings and [rpcinterface:x] (reference 1.4).
 */

const AUTH_KEYS = ['username', 'password'];
const UNIX_KEYS: ReadonlySet<string> = new Set(['file', 'chmod', 'chown', ...AUTH_KEYS]);
const INET_KEYS: ReadonlySet<string> = new Set(['port', ...AUTH_KEYS]);
const CTL_KEYS: ReadonlySet<string> = new Set(['serverurl', 'username', 'password', 'prompt', 'history_file']);
const RPC_FACTORY_KEY = 'supervisor.rpcinterface_factory';
const MAIN_RPC_FACTORY = 'supervisor.rpcinterface:make_main_rpcinterface';

function reader(ctx: LoadContext, name: string): SectionReader | null {
  const section = ctx.doc.sections.get(name);
  return section ? new SectionReader(ctx, section, new Map(ctx.envNames)) : null;
}

/** username and password: both or neither. */
function readAuth(r: SectionReader): { username: string | null; password: string | null } {
  const username = r.text('username');
  const password = r.text('password');
  if ((username === null) !== (password === null)) {
    r.error(
      username === null ? 'password' : 'username',
      `Section [${r.name}] contains incomplete authentication: ` +
        'If a username or a password is specified, both the username and password must be specified',
    );
  }
  return { username, password };
}

export function readUnixHttpServer(ctx: LoadContext): UnixHttpServerSettings | null {
  const r = reader(ctx, 'unix_http_server');
  if (!r) return null;
  r.warnUnknownKeys(UNIX_KEYS);
  const file = r.text('file');
  if (file === null && !r.has('file')) r.error(undefined, `section [${r.name}] has no file value`);
  return {
    file: normalizePath((file ?? '').trim(), ctx),
    chmod: r.read('chmod', 0o700, withMessage(parseOctal, (v) => `Invalid chmod value ${v}`)),
    chown: r.read('chown', null, withMessage((v) => parseUserGroup(v, ctx.accounts), (v) => `Invalid sockchown value ${v}`)),
    ...readAuth(r),
  };
}

export function readInetHttpServer(ctx: LoadContext): InetHttpServerSettings | null {
  const r = reader(ctx, 'inet_http_server');
  if (!r) return null;
  r.warnUnknownKeys(INET_KEYS);
  if (!r.has('port')) r.error(undefined, `section [${r.name}] has no port value`);
  const address = r.read('port', { host: '', port: 9001 }, parseInetAddress);
  return { ...address, ...readAuth(r) };
}

/** supervisorctl's settings; the defaults when the section is absent (the agent does not need it). */
export function readSupervisorctl(ctx: LoadContext): SupervisorctlSettings {
  const r = reader(ctx, 'supervisorctl');
  const settings: SupervisorctlSettings = {
    serverurl: 'http://localhost:9001',
    username: null,
    password: null,
    prompt: 'supervisor',
    historyFile: null,
  };
  if (!r) return settings;
  r.warnUnknownKeys(CTL_KEYS);
  const serverurl = r.text('serverurl');
  if (serverurl !== null) {
    settings.serverurl = serverurl.startsWith('unix://') ? `unix://${normalizePath(serverurl.slice(7), ctx)}` : serverurl;
  }
  settings.username = r.text('username');
  settings.password = r.text('password');
  settings.prompt = r.text('prompt') ?? settings.prompt;
  const history = r.text('history_file');
  settings.historyFile = history ? normalizePath(history, ctx) : null;
  return settings;
}

/**
 * [rpcinterface:x] sections are accepted; their other keys are the factory's arguments and are
 * not checked. fleetvisor's control API is built in, so any factory other than supervisor's
 * main interface cannot be honoured and is reported.
 */
export function checkRpcInterface(ctx: LoadContext, name: string): void {
  const r = reader(ctx, name)!;
  const factory = r.text(RPC_FACTORY_KEY);
  if (factory === null) {
    if (!r.has(RPC_FACTORY_KEY)) r.error(undefined, `section [${name}] does not specify a ${RPC_FACTORY_KEY}`);
  } else if (factory.trim() !== MAIN_RPC_FACTORY) {
    r.warn(RPC_FACTORY_KEY, `${factory} is not supported by fleetvisor (only ${MAIN_RPC_FACTORY}); the section is ignored`);
  }
}
