import type { Readable } from 'node:stream';
import type { FleetError } from '../../common/errors.js';
import type { SignalName } from '../config/types.js';

/**
 * What the engine asks the OS for. The engine has already resolved `file` (PATH search,
 * existence and execute checks, with supervisord's error texts), built `env` and split argv.
 */
export interface SpawnRequest {
  /** Absolute path of the executable. */
  file: string;
  /** argv, argv[0] included (kept as written in the command, e.g. 'sh'). */
  argv: string[];
  env: Record<string, string>;
  /** chdir in the child before exec; a failure is written to the child's stderr, exit 127. */
  cwd: string | null;
  /** umask in the child. */
  umask: number | null;
  /** Drop privileges in the child (setgroups, setgid, setuid); only when the agent is root. */
  user: { uid: number; gid: number; groups: number[] } | null;
  /** stderr goes to the stdout pipe, as `2>&1`. */
  redirectStderr: boolean;
}

/** How a child ended: a normal exit with a code, or death by a signal. */
export type ExitStatus =
  | { code: number; signal: null; coreDumped: false }
  | { code: null; signal: SignalName; coreDumped: boolean };

export interface ChildHandle {
  readonly pid: number;
  /** Epoch ms just before the child was created: startsecs and uptime count from here. */
  readonly startedAt: number;
  /** The child's stdout pipe (stdout and stderr together when redirectStderr). */
  readonly stdout: Readable;
  /** The child's stderr pipe; null when redirectStderr. */
  readonly stderr: Readable | null;
  /**
   * Write all of `data` to the child's stdin pipe now, or throw a FleetError: NO_FILE when the
   * child closed stdin or exited (EPIPE; supervisord's sendProcessStdin fault), FAILED when the
   * pipe is full (the child does not read).
   */
  writeStdin(data: Buffer): void;
  /** Close the agent's end of stdin. Idempotent. */
  closeStdin(): void;
  /**
   * Optional fast path: hands over the raw read ends of the output pipes instead of `stdout` and
   * `stderr`, for ChannelLog.attach(fd), which reads through one reused buffer at about 0.35
   * CPU-s per GiB against about 0.6 for a Readable. Only before `stdout`/`stderr` were first
   * accessed, and once; the caller then owns the fds. stderr is null when redirectStderr.
   */
  takeOutputFds?(): { stdout: number; stderr: number | null };
}

/** How a spawnAsync ended: the child, or the SPAWN_ERROR FleetError spawn() would have thrown. */
export type SpawnOutcome = { ok: true; child: ChildHandle } | { ok: false; error: FleetError };

/**
 * Spawns children in their own process group and reports every reaped child, including pids
 * the agent did not spawn (reparented orphans), so nothing is left a zombie.
 */
export interface Spawner {
  /**
   * Spawns synchronously, blocking until the child has exec'd; throws a FleetError (SPAWN_ERROR)
   * when the OS refuses (EAGAIN, EMFILE...).
   */
  spawn(req: SpawnRequest): ChildHandle;
  /**
   * Starts a spawn and returns before answering: `done` is called exactly once, later (a
   * microtask at the earliest), with the child or the error. Meant for bursts: NativeSpawner
   * runs every spawn requested while another is still in flight on a thread pool, so the JS
   * thread does not wait for each child's exec. Several spawns may be in flight at once; their `done`s are called in
   * the order the spawns were requested. The child's exit is never reported to onExit listeners
   * before `done` has returned, even when it exits first. Throws only for a request that could
   * never be spawned (a closed spawner, a malformed argument).
   */
  spawnAsync(req: SpawnRequest, done: (outcome: SpawnOutcome) => void): void;
  /** Called once per reaped child, when Node sees SIGCHLD; never on a polling tick. */
  /**
   * Returns the unsubscribe function. A listener that throws does not stop the others; its error
   * is reported as a process warning (listeners are expected to handle their own errors).
   */
  onExit(listener: (pid: number, status: ExitStatus) => void): () => void;
  /** Send a signal to a pid, or to its whole process group when `group` is true. Returns the errno code on failure ('ESRCH'...). */
  kill(pid: number, signal: SignalName, group: boolean): string | null;
  /** Stops listening for SIGCHLD. Idempotent. */
  close(): void;
}
