/**
 * From a ProcessConfig to a SpawnRequest, with supervisord's rules and texts
 * (process.py get_execv_args, options.py check_execv_args / get_path, _spawn_as_child for the
 * environment). Everything here runs again at each spawn, as supervisord does, so a binary
 * installed (or removed) after the agent started is seen at the next start.
 */
import { accessSync, constants as fsConstants, statSync, type Stats } from 'node:fs';
import { pyRepr } from '../../common/python-repr.js';
import { FleetError, isFleetError } from '../../common/errors.js';
import { splitCommand } from '../config/shlex.js';
import type { Config, ProcessConfig } from '../config/types.js';
import type { SpawnRequest } from './spawner.js';
import { resolveUser } from './user.js';

/** What a spawn needs from outside the program's own section. */
export interface SpawnContext {
  /** The agent's own environment, the lowest layer of every child's environment (process.env). */
  agentEnv: Readonly<Record<string, string | undefined>>;
  /** `[supervisord] environment=`, or null. */
  supervisordEnv: Readonly<Record<string, string>> | null;
  /** SUPERVISOR_SERVER_URL for programs with serverurl=AUTO (see defaultServerUrl); null: not set. */
  serverUrl: string | null;
}

/** supervisord's fallback when PATH is unset or empty (ServerOptions.get_path). */
const DEFAULT_PATH = ['/bin', '/usr/bin', '/usr/local/bin'];


/**
 * The SUPERVISOR_SERVER_URL a child gets when its serverurl is AUTO: the unix socket if there is
 * one, else the inet server (an empty host reads as localhost), else none (ServerOptions.realize).
 */
export function defaultServerUrl(config: Pick<Config, 'unixHttpServer' | 'inetHttpServer'>): string | null {
  if (config.unixHttpServer) return `unix://${config.unixHttpServer.file}`;
  if (config.inetHttpServer) {
    return `http://${config.inetHttpServer.host || 'localhost'}:${config.inetHttpServer.port}`;
  }
  return null;
}

/**
 * The directories searched for a command without a slash (ProcessConfig.get_path): PATH from the
 * program's environment=, else from [supervisord] environment= (supervisord merges that into
 * every program's environment), else the agent's own PATH if it is not empty, else
 * /bin:/usr/bin:/usr/local/bin.
 */
export function searchPath(config: Pick<ProcessConfig, 'environment'>, ctx: SpawnContext): string[] {
  const configured = config.environment?.PATH ?? ctx.supervisordEnv?.PATH;
  if (configured !== undefined) return configured.split(':');
  const inherited = ctx.agentEnv.PATH;
  return inherited ? inherited.split(':') : DEFAULT_PATH;
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** os.path.join(dir, name) for a name without a slash: no normalisation, '' means the current directory. */
function joinPath(dir: string, name: string): string {
  if (dir === '') return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/**
 * Splits the command and finds the executable, or throws a FleetError with supervisord's text:
 * NO_FILE `can't find command 'x'`; NOT_EXECUTABLE for `command at 'x' is a directory`,
 * `command at 'x' is not executable`, `no permission to run command 'x'`, `command is empty` and
 * `can't parse command 'a"': No closing quotation` (the codes startProcess answers with).
 * argv[0] stays as written; `file` is the first PATH entry that exists (even if it is not
 * executable, as in supervisord), or the program itself when it contains a slash (a relative
 * one is then resolved by exec in the child's directory, as supervisord's execve does).
 */
export function resolveCommand(
  config: Pick<ProcessConfig, 'command' | 'environment'>,
  ctx: SpawnContext,
): { file: string; argv: string[] } {
  let argv: string[];
  try {
    argv = splitCommand(config.command);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new FleetError('NOT_EXECUTABLE', `can't parse command ${pyRepr(config.command)}: ${why}`, { cause: err });
  }
  const program = argv[0];
  if (program === undefined) throw new FleetError('NOT_EXECUTABLE', 'command is empty');

  let file = program;
  let st: Stats | null = null;
  if (program.includes('/')) {
    st = statOrNull(program);
  } else {
    for (const dir of searchPath(config, ctx)) {
      const candidate = joinPath(dir, program);
      st = statOrNull(candidate);
      if (st) {
        file = candidate;
        break;
      }
    }
  }

  if (!st) throw new FleetError('NO_FILE', `can't find command ${pyRepr(file)}`);
  if (st.isDirectory()) throw new FleetError('NOT_EXECUTABLE', `command at ${pyRepr(file)} is a directory`);
  if ((st.mode & 0o111) === 0) throw new FleetError('NOT_EXECUTABLE', `command at ${pyRepr(file)} is not executable`);
  try {
    accessSync(file, fsConstants.X_OK);
  } catch {
    throw new FleetError('NOT_EXECUTABLE', `no permission to run command ${pyRepr(file)}`);
  }
  return { file, argv };
}

/**
 * The child's environment, lowest to highest precedence (reference section 1.5): the agent's
 * environment, [supervisord] environment=, SUPERVISOR_ENABLED / SUPERVISOR_PROCESS_NAME /
 * SUPERVISOR_GROUP_NAME / SUPERVISOR_SERVER_URL (the last only when there is a server), then the
 * program's environment=.
 */
export function childEnvironment(
  config: Pick<ProcessConfig, 'name' | 'group' | 'environment' | 'serverurl'>,
  ctx: SpawnContext,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(ctx.agentEnv)) if (value !== undefined) env[key] = value;
  Object.assign(env, ctx.supervisordEnv ?? {});
  env.SUPERVISOR_ENABLED = '1';
  env.SUPERVISOR_PROCESS_NAME = config.name;
  env.SUPERVISOR_GROUP_NAME = config.group;
  const serverUrl = config.serverurl.trim().toUpperCase() === 'AUTO' ? ctx.serverUrl : config.serverurl;
  if (serverUrl) env.SUPERVISOR_SERVER_URL = serverUrl;
  Object.assign(env, config.environment ?? {});
  return env;
}

/**
 * Everything the Spawner needs for one spawn. Throws a FleetError whose message becomes the
 * process's spawnerr: the command errors of resolveCommand, or user= errors from resolveUser
 * (supervisord finds those in the child and logs them to the child's stderr; here they are
 * found before spawning, with the text `couldn't setuid to <user>: <why>`).
 */
export function buildSpawnRequest(config: ProcessConfig, ctx: SpawnContext): SpawnRequest {
  const { file, argv } = resolveCommand(config, ctx);
  let user: SpawnRequest['user'];
  try {
    user = resolveUser(config.user);
  } catch (err) {
    const why = isFleetError(err) || err instanceof Error ? err.message : String(err);
    throw new FleetError('SPAWN_ERROR', `couldn't setuid to ${config.user}: ${why}`, { cause: err });
  }
  return {
    file,
    argv,
    env: childEnvironment(config, ctx),
    cwd: config.directory,
    umask: config.umask,
    user,
    redirectStderr: config.redirectStderr,
  };
}
