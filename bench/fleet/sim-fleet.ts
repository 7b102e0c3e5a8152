// The harness's handle on the simulator processes: forks them, splits the host names among them,
// and sends each request to all of them at once. A simulator that exits or fails a request fails
// the call with its last stderr lines; every simulator carries the bench's temp dir on its
// command line, so the workspace's cleanup kills whatever is left.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ConnectArgs, ConnectReply, EnrollArgs, EnrollReply, FloodReply, SettleReply, SimReply, SimRequest, StatsReply } from './sim-protocol.js';

type RequestBody = SimRequest extends infer R ? (R extends SimRequest ? Omit<R, 'id'> : never) : never;

class SimProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited: string | null = null;

  constructor(
    readonly index: number,
    private readonly child: ChildProcess,
    private readonly errFile: string,
  ) {
    child.on('message', (reply: SimReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new Error(`simulator ${index}: ${reply.error}`));
    });
    child.on('exit', (code, signal) => {
      this.exited = signal ? `signal ${signal}` : `code ${code}`;
      const error = new Error(`simulator ${index} exited (${this.exited}); its last output:\n${this.tail()}`);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  request<T>(body: RequestBody, timeoutMs: number): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`simulator ${this.index} has exited (${this.exited})`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`simulator ${this.index}: no answer to ${body.op} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.child.send({ ...body, id } as SimRequest);
    });
  }

  tail(): string {
    try {
      return readFileSync(this.errFile, 'utf8').trimEnd().split('\n').slice(-10).join('\n') || '(no output)';
    } catch {
      return '(no output)';
    }
  }

  /** Resolves when the process has exited, or after `timeoutMs`. */
  async exit(timeoutMs: number): Promise<void> {
    if (this.exited) return;
    await Promise.race([once(this.child, 'exit'), sleep(timeoutMs, undefined, { ref: false })]);
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

export class SimFleet {
  private closed = false;

  private constructor(private readonly sims: SimProcess[]) {}

  /** Forks `count` simulators; `tag` (the bench's temp dir) goes on their command lines, their stderr into `dir`; `nodeArgs` to node. */
  static start(count: number, dir: string, tag: string, nodeArgs: string[] = []): SimFleet {
    const script = join(dirname(fileURLToPath(import.meta.url)), 'simulator.js');
    const sims: SimProcess[] = [];
    for (let i = 0; i < count; i++) {
      const errFile = join(dir, `simulator-${i}.err`);
      const fd = openSync(errFile, 'a');
      try {
        const child = fork(script, [tag], { stdio: ['ignore', fd, fd, 'ipc'], execArgv: nodeArgs });
        sims.push(new SimProcess(i, child, errFile));
      } finally {
        closeSync(fd);
      }
    }
    return new SimFleet(sims);
  }

  get pids(): number[] {
    return this.sims.map((s) => s.pid);
  }

  /** Enrolls `hosts` (secure mode), shared among the simulators; resolves when every one has its certificate. */
  async enroll(args: EnrollArgs, timeoutMs: number): Promise<EnrollReply> {
    const share = this.sims.map((_, i) => args.hosts.filter((_, h) => h % this.sims.length === i));
    const replies = await Promise.all(this.sims.map((s, i) => s.request<EnrollReply>({ op: 'enroll', args: { ...args, hosts: share[i]! } }, timeoutMs)));
    return {
      startedAt: Math.min(...replies.map((r) => r.startedAt)),
      doneAt: Math.max(...replies.map((r) => r.doneAt)),
      enrolled: replies.reduce((n, r) => n + r.enrolled, 0),
    };
  }

  /** Deals `hosts` out to the simulators in turn and connects them all. */
  async connect(args: ConnectArgs, timeoutMs: number): Promise<ConnectReply> {
    const share = this.sims.map((_, i) => args.hosts.filter((_, h) => h % this.sims.length === i));
    const replies = await Promise.all(
      this.sims.map((s, i) => s.request<ConnectReply>({ op: 'connect', args: { ...args, hosts: share[i]! } }, timeoutMs)),
    );
    return { firstUpAt: Math.min(...replies.map((r) => r.firstUpAt)), lastUpAt: Math.max(...replies.map((r) => r.lastUpAt)) };
  }

  /** Every host emits `eventsPerHost` transitions as fast as acks allow; resolves when all are acked. */
  async flood(eventsPerHost: number, timeoutMs: number): Promise<FloodReply> {
    const replies = await Promise.all(this.sims.map((s) => s.request<FloodReply>({ op: 'flood', eventsPerHost }, timeoutMs)));
    return {
      startedAt: Math.min(...replies.map((r) => r.startedAt)),
      doneAt: Math.max(...replies.map((r) => r.doneAt)),
      events: replies.reduce((n, r) => n + r.events, 0),
    };
  }

  /** Resolves when every event assigned so far, on every host, has been acked. */
  async settle(timeoutMs: number): Promise<SettleReply> {
    const replies = await Promise.all(this.sims.map((s) => s.request<SettleReply>({ op: 'settle' }, timeoutMs)));
    return { doneAt: Math.max(...replies.map((r) => r.doneAt)) };
  }

  async stats(timeoutMs = 30_000): Promise<StatsReply> {
    const replies = await Promise.all(this.sims.map((s) => s.request<StatsReply>({ op: 'stats' }, timeoutMs)));
    return { hosts: replies.flatMap((r) => r.hosts), maxLoopDelayMs: Math.max(...replies.map((r) => r.maxLoopDelayMs)) };
  }

  /** Asks every simulator to close its streams and exit; kills the ones that do not. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.sims.map((s) => s.request({ op: 'close' }, 5_000)));
    await Promise.all(this.sims.map((s) => s.exit(5_000)));
    for (const s of this.sims) s.kill();
  }
}
