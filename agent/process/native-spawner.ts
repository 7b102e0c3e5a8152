/**
 * The agent's Spawner, on the native addon (agent/native/): posix_spawn instead of
 * node:child_process (which forks the whole Node process per child and costs about 2 ms each),
 * waitpid(-1) reaping on SIGCHLD, and signals by number.
 *
 * RULE FOR THE REST OF THE AGENT: while a NativeSpawner is open, nothing else in the agent may
 * start long-lived children with node:child_process (spawn, exec, execFile, fork). reap() calls
 * waitpid(-1), which collects those children too: their 'exit' event would never fire and their
 * exits would be reported here as unknown pids. (spawnSync/execSync are unaffected: their child
 * is reaped by libuv's inner loop before the main loop runs the SIGCHLD listener.)
 *
 * Only one NativeSpawner may be open per process, for the same reason.
 */
import { closeSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import { FleetError } from '../../common/errors.js';
import type { SignalName } from '../config/types.js';
import { native, type NativeSpawnResult } from '../native/addon.js';
import type { ChildHandle, ExitStatus, SpawnOutcome, SpawnRequest, Spawner } from './spawner.js';

type ExitListener = (pid: number, status: ExitStatus) => void;

/**
 * Signal number to name. os.constants.signals lists aliases (SIGIOT = SIGABRT, SIGPOLL = SIGIO);
 * the first listed wins, except 29, which supervisord's signame() calls SIGPOLL.
 */
const SIGNAL_NAMES = new Map<number, SignalName>([[osConstants.signals.SIGPOLL, 'SIGPOLL']]);
for (const [name, num] of Object.entries(osConstants.signals)) {
  if (!SIGNAL_NAMES.has(num)) SIGNAL_NAMES.set(num, name as SignalName);
}

/**
 * supervisord's names for signals Node has no name for: SIGRTMIN, SIGRTMAX, else 'signal N'.
 * These strings are not in NodeJS.Signals, so the cast widens what ExitStatus.signal can hold;
 * they only ever reach log text ("terminated by signal 40").
 */
function signalName(num: number): SignalName {
  const known = SIGNAL_NAMES.get(num);
  if (known) return known;
  const rt = num === 34 ? 'SIGRTMIN' : num === 64 ? 'SIGRTMAX' : `signal ${num}`;
  return rt as SignalName;
}

/** An ErrnoException-shaped error from the addon ('EMFILE'...), or undefined. */
function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/**
 * The addon's refusal as the engine's error: pipe2 EMFILE/ENFILE ("too many open files to
 * spawn"), fork EAGAIN ("Too many processes in process table to spawn"); the errno name is
 * `cause.code` for the engine's message. Anything else (an argument error) is returned as is.
 */
function spawnError(err: unknown): unknown {
  return errnoCode(err) ? new FleetError('SPAWN_ERROR', (err as Error).message, { cause: err }) : err;
}

function envp(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

/** One spawnAsync call, and the addon's answer once it has arrived. */
interface InFlightSpawn {
  done: (outcome: SpawnOutcome) => void;
  answer: { err: Error | null; result: NativeSpawnResult | null } | null;
}

class NativeChild implements ChildHandle {
  readonly pid: number;
  readonly startedAt: number;
  private stdinFd: number | null;
  /** Output pipe read ends until they are wrapped (first access to stdout/stderr) or taken. */
  private outputFds: { stdout: number; stderr: number | null } | null;
  private stdoutSocket: Socket | null = null;
  private stderrSocket: Socket | null = null;

  constructor(fds: NativeSpawnResult) {
    this.pid = fds.pid;
    this.startedAt = fds.startedAt;
    this.stdinFd = fds.stdin;
    this.outputFds = { stdout: fds.stdout, stderr: fds.stderr >= 0 ? fds.stderr : null };
  }

  get stdout(): Socket {
    this.wrapOutput();
    return this.stdoutSocket!;
  }

  get stderr(): Socket | null {
    this.wrapOutput();
    return this.stderrSocket;
  }

  takeOutputFds(): { stdout: number; stderr: number | null } {
    const fds = this.outputFds;
    if (!fds) throw new FleetError('INTERNAL', `the output pipes of pid ${this.pid} were already wrapped or taken`);
    this.outputFds = null;
    return fds;
  }

  /**
   * Reading starts at once; with no 'data' listener a socket stops reading at its highWaterMark,
   * so an unread child blocks on a full pipe rather than growing our memory.
   */
  private wrapOutput(): void {
    const fds = this.outputFds;
    if (!fds) {
      if (!this.stdoutSocket) throw new FleetError('INTERNAL', `the output pipes of pid ${this.pid} were taken`);
      return;
    }
    this.outputFds = null;
    this.stdoutSocket = new Socket({ fd: fds.stdout, readable: true, writable: false });
    this.stderrSocket = fds.stderr === null ? null : new Socket({ fd: fds.stderr, readable: true, writable: false });
  }

  /**
   * Called when the child is reaped: closes stdin, and the output pipes if nobody claimed them
   * (nobody will read them now; the fds must not leak across restarts).
   */
  released(): void {
    this.closeStdin();
    const fds = this.outputFds;
    if (!fds) return;
    this.outputFds = null;
    closeSync(fds.stdout);
    if (fds.stderr !== null) closeSync(fds.stderr);
  }

  /**
   * Writes all of `data` now or throws. The fd is non-blocking: a full pipe (the child does not
   * read) is FAILED rather than a stalled agent; a child that closed stdin or exited is NO_FILE,
   * as supervisord's sendProcessStdin answers EPIPE.
   */
  writeStdin(data: Buffer): void {
    if (this.stdinFd === null) throw new FleetError('NO_FILE', "Process' stdin channel is closed");
    let written = 0;
    while (written < data.length) {
      try {
        written += writeSync(this.stdinFd, data, written, data.length - written);
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'EPIPE') throw new FleetError('NO_FILE', "Process' stdin channel is closed", { cause: err });
        if (code === 'EAGAIN') {
          throw new FleetError('FAILED', `stdin pipe is full: ${written} of ${data.length} bytes written`, { cause: err });
        }
        throw new FleetError('FAILED', `writing to stdin failed: ${code ?? String(err)}`, { cause: err });
      }
    }
  }

  closeStdin(): void {
    if (this.stdinFd === null) return;
    const fd = this.stdinFd;
    this.stdinFd = null;
    closeSync(fd);
  }
}

export class NativeSpawner implements Spawner, Disposable {
  private static openInstance: NativeSpawner | null = null;

  private readonly listeners: ExitListener[] = [];
  /** Children we spawned and have not reaped yet; see NativeChild.released. */
  private readonly children = new Map<number, NativeChild>();
  /**
   * spawnAsync calls not answered yet, in the order they were made. Answers go out in that
   * order: a spawn the pool finished early waits for those requested before it, so the engine
   * sees (and logs) spawns in the order it issued them, as it would with serial spawns.
   */
  private readonly inFlight: InFlightSpawn[] = [];
  /**
   * Exits reaped while spawns were in flight, of pids not known yet: each may be a child whose
   * spawnAsync result is still on its way (a child can exit, and be reaped, before the pool's
   * answer is handled). Handed out when that result arrives, or as unknown pids once no spawn
   * is in flight. Linux hands out pids cyclically, so a pid parked here cannot belong to a
   * process created after it was reaped.
   */
  private readonly parked = new Map<number, ExitStatus>();
  private closed = false;
  private readonly onSigchld = (): void => this.reapAll();

  /** Starts listening for SIGCHLD. Throws when another NativeSpawner is open in this process. */
  constructor() {
    if (NativeSpawner.openInstance) {
      throw new FleetError('INTERNAL', 'a NativeSpawner is already open: waitpid(-1) allows only one per process');
    }
    NativeSpawner.openInstance = this;
    process.on('SIGCHLD', this.onSigchld);
  }

  spawn(req: SpawnRequest): ChildHandle {
    if (this.closed) throw new FleetError('INTERNAL', 'spawn on a closed NativeSpawner');
    let result: NativeSpawnResult;
    try {
      result = this.nativeSpawn(req);
    } catch (err) {
      throw spawnError(err);
    }
    return this.adopt(result);
  }

  /** The addon's blocking spawn; throws its errors as they are. */
  private nativeSpawn(req: SpawnRequest): NativeSpawnResult {
    return native.spawn(...nativeArgs(req));
  }

  /**
   * The child is created on a libuv pool thread (the addon's spawnAsync) while JS goes on, so
   * the spawns of a bulk start overlap. A spawn requested while no other is in flight is done
   * on this thread, as spawn() does, and answered in a microtask: a lone respawn then waits for
   * no thread hand-off (measured with 30 kill -9s under load: p50 4.3-4.5 ms this way, 5.6-6.3
   * through the pool).
   */
  spawnAsync(req: SpawnRequest, done: (outcome: SpawnOutcome) => void): void {
    if (this.closed) throw new FleetError('INTERNAL', 'spawn on a closed NativeSpawner');
    const spawn: InFlightSpawn = { done, answer: null };
    if (this.inFlight.length === 0) {
      try {
        spawn.answer = { err: null, result: this.nativeSpawn(req) };
      } catch (err) {
        if (!errnoCode(err)) throw err; // an argument error, as from the pool path
        spawn.answer = { err: err as Error, result: null };
      }
      this.inFlight.push(spawn);
      queueMicrotask(() => this.answerInOrder());
      return;
    }
    native.spawnAsync(
      ...nativeArgs(req),
      (err, result) => {
        spawn.answer = { err, result };
        this.answerInOrder();
      },
    );
    this.inFlight.push(spawn); // after the call: an argument error queues nothing
  }

  onExit(listener: ExitListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  kill(pid: number, signal: SignalName, group: boolean): string | null {
    const num = osConstants.signals[signal];
    if (num === undefined) throw new FleetError('BAD_SIGNAL', signal);
    return native.kill(pid, num, group);
  }

  /** Stops listening for SIGCHLD; children keep running and are not reaped any more. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    process.off('SIGCHLD', this.onSigchld);
    if (NativeSpawner.openInstance === this) NativeSpawner.openInstance = null;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  private adopt(result: NativeSpawnResult): NativeChild {
    const child = new NativeChild(result);
    this.children.set(child.pid, child);
    return child;
  }

  /** Answers every spawn at the head of the queue whose result has arrived. */
  private answerInOrder(): void {
    for (let head = this.inFlight[0]; head?.answer; head = this.inFlight[0]) {
      this.inFlight.shift();
      this.settle(head.answer.err, head.answer.result, head.done);
    }
  }

  /**
   * Answers one spawnAsync: `done` first, then the child's exit if it was reaped meanwhile,
   * then, once nothing is in flight, the parked exits nobody claimed.
   */
  private settle(err: Error | null, result: NativeSpawnResult | null, done: (outcome: SpawnOutcome) => void): void {
    const outcome: SpawnOutcome = result
      ? { ok: true, child: this.adopt(result) }
      : { ok: false, error: spawnError(err) as FleetError };
    try {
      done(outcome);
    } catch (error) {
      // This runs as a native callback: a throw would take the agent down. Report it and go on.
      process.emitWarning(`spawn completion failed: ${describe(error)}`);
    }
    if (outcome.ok) {
      const status = this.parked.get(outcome.child.pid);
      if (status) {
        this.parked.delete(outcome.child.pid);
        this.exited(outcome.child.pid, status);
      }
    }
    if (this.inFlight.length === 0 && this.parked.size > 0) {
      const unclaimed = [...this.parked];
      this.parked.clear();
      for (const [pid, status] of unclaimed) this.exited(pid, status);
    }
  }

  /**
   * One SIGCHLD may stand for many exits (signals coalesce), so reap() drains every zombie.
   * An exit can be reported before the last output has been read from the child's pipes:
   * whoever needs "all output, then exit" waits for the sockets' 'close' too.
   */
  private reapAll(): void {
    if (this.closed) return;
    for (const [pid, code, signal, coreDumped] of native.reap()) {
      const status: ExitStatus =
        signal === null
          ? { code: code ?? 0, signal: null, coreDumped: false }
          : { code: null, signal: signalName(signal), coreDumped };
      if (!this.children.has(pid) && this.inFlight.length > 0) this.parked.set(pid, status);
      else this.exited(pid, status);
    }
  }

  /** Releases the child's fds and tells every listener, even if one throws. */
  private exited(pid: number, status: ExitStatus): void {
    const child = this.children.get(pid);
    if (child) {
      this.children.delete(pid);
      child.released();
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(pid, status);
      } catch (err) {
        // This runs as the SIGCHLD handler: a throw here would be an uncaught exception that
        // takes the agent down with its children still running. Report it and go on.
        process.emitWarning(`exit listener failed for pid ${pid}: ${describe(err)}`);
      }
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/** A request as the addon's spawn and spawnAsync take it, in their argument order. */
function nativeArgs(req: SpawnRequest) {
  return [
    req.file,
    req.argv,
    envp(req.env),
    req.cwd,
    req.umask ?? -1,
    req.user?.uid ?? -1,
    req.user?.gid ?? -1,
    req.user?.groups ?? null,
    req.redirectStderr,
  ] as const;
}
