/**
 * An in-memory AgentClient for fleetctl's command tests: a few processes with supervisord's
 * answers for start, stop, signal, logs and groups, plus a hook to make any call fail. It is
 * not an engine: states change instantly and only as far as the commands need.
 */
import { FleetError, type ErrorCode } from '../../common/errors.js';
import type { ProcessInfo, ProcessResult } from '../../common/process-info.js';
import { ProcessStates, type ProcessState } from '../../common/process-state.js';
import type {
  AgentClient,
  AgentState,
  GroupUpdate,
  ProcessConfigSummary,
  ProcessName,
  ProcessTarget,
  ReadLogRequest,
  ReadLogResult,
  RereadResult,
} from '../../cli/client/agent-client.js';
import { Session } from '../../cli/session.js';
import { Controller, type LineSource } from '../../cli/controller.js';
import { BufferWriter } from '../../cli/io.js';

export function info(group: string, name: string, statename: ProcessState, extra: Partial<ProcessInfo> = {}): ProcessInfo {
  const running = statename === 'RUNNING';
  return {
    name,
    group,
    statename,
    state: ProcessStates[statename],
    description: running ? 'pid 100, uptime 0:00:05' : statename === 'STOPPED' ? 'Not started' : '',
    start: running ? 1_700_000_000 : 0,
    stop: 0,
    now: 1_700_000_005,
    spawnerr: '',
    exitstatus: 0,
    stdoutLogfile: `/tmp/${name}.log`,
    stderrLogfile: '',
    pid: running ? 100 : 0,
    ...extra,
  };
}

type Method = keyof AgentClient;

export class FakeAgent implements AgentClient {
  readonly url = 'unix:///tmp/fake.sock';
  readonly calls: string[] = [];
  /** Make a method reject: `failures.set('getState', new FleetError('HOST_UNREACHABLE', url))`. */
  readonly failures = new Map<Method, unknown>();
  /** Per-process start outcome other than success (`spawn: SPAWN_ERROR`). */
  readonly startFaults = new Map<string, ErrorCode>();
  logs = new Map<string, Buffer>();
  mainLog: Buffer = Buffer.from('2024-01-01 00:00:00,000 INFO supervisord started\n');
  rereadResult: RereadResult = { added: [], changed: [], removed: [] };
  configs: ProcessConfigSummary[] = [];
  state: AgentState = { version: '0.1.0', apiVersion: '3.0', identification: 'supervisor', pid: 4242, state: 'RUNNING' };
  closed = 0;

  constructor(public processes: ProcessInfo[]) {}

  private enter(method: Method, detail = ''): void {
    this.calls.push(detail ? `${method} ${detail}` : method);
    if (this.failures.has(method)) throw this.failures.get(method);
  }

  private find(p: ProcessName): ProcessInfo {
    const found = this.processes.find((i) => i.group === p.group && i.name === p.name);
    if (!found) throw new FleetError('BAD_NAME', p.group === p.name ? p.name : `${p.group}:${p.name}`);
    return found;
  }

  private select(target: ProcessTarget): ProcessInfo[] {
    if ('all' in target) return this.processes;
    if ('group' in target) {
      const members = this.processes.filter((i) => i.group === target.group);
      if (members.length === 0) throw new FleetError('BAD_NAME', target.group);
      return members;
    }
    return [this.find(target.process)];
  }

  private set(i: ProcessInfo, statename: ProcessState): void {
    i.statename = statename;
    i.state = ProcessStates[statename];
    i.pid = statename === 'RUNNING' ? 100 : 0;
    i.description = statename === 'RUNNING' ? 'pid 100, uptime 0:00:00' : 'Nov 22 03:30 AM';
  }

  async getState(): Promise<AgentState> {
    this.enter('getState');
    return this.state;
  }
  async listProcesses(): Promise<ProcessInfo[]> {
    this.enter('listProcesses');
    return this.processes.map((i) => ({ ...i }));
  }
  async getProcess(p: ProcessName): Promise<ProcessInfo> {
    this.enter('getProcess', `${p.group}:${p.name}`);
    return { ...this.find(p) };
  }
  async start(target: ProcessTarget): Promise<ProcessResult[]> {
    this.enter('start', JSON.stringify(target));
    const single = 'process' in target;
    const results: ProcessResult[] = [];
    for (const i of this.select(target)) {
      const running = i.statename === 'RUNNING' || i.statename === 'STARTING' || i.statename === 'BACKOFF';
      if (running && !single) continue;
      const fault: ErrorCode | undefined = running ? 'ALREADY_STARTED' : this.startFaults.get(i.name);
      if (fault && single) throw new FleetError(fault, i.name);
      if (!fault) this.set(i, 'RUNNING');
      results.push({ group: i.group, name: i.name, code: fault ?? 'SUCCESS', description: fault ? `${fault}: ${i.name}` : 'OK' });
    }
    return results;
  }
  async stop(target: ProcessTarget): Promise<ProcessResult[]> {
    this.enter('stop', JSON.stringify(target));
    const single = 'process' in target;
    const results: ProcessResult[] = [];
    for (const i of this.select(target)) {
      const running = i.statename === 'RUNNING' || i.statename === 'STARTING' || i.statename === 'BACKOFF';
      if (!running) {
        if (single) throw new FleetError('NOT_RUNNING', i.name);
        continue;
      }
      this.set(i, 'STOPPED');
      results.push({ group: i.group, name: i.name, code: 'SUCCESS', description: 'OK' });
    }
    return results;
  }
  async signal(target: ProcessTarget, signalName: string): Promise<ProcessResult[]> {
    this.enter('signal', `${signalName} ${JSON.stringify(target)}`);
    const results: ProcessResult[] = [];
    for (const i of this.select(target)) {
      const code: ProcessResult['code'] = signalName === 'BOGUS' ? 'BAD_SIGNAL' : i.statename === 'RUNNING' ? 'SUCCESS' : 'NOT_RUNNING';
      if (code !== 'SUCCESS' && 'process' in target) throw new FleetError(code, i.name);
      results.push({ group: i.group, name: i.name, code, description: code === 'SUCCESS' ? 'OK' : code });
    }
    return results;
  }
  async readLog(request: ReadLogRequest): Promise<ReadLogResult> {
    this.enter('readLog', JSON.stringify({ ...request, process: request.process }));
    let data: Buffer = this.mainLog;
    if (request.process) {
      const i = this.find(request.process);
      const log = request.channel === 'stdout' ? this.logs.get(i.name) : undefined;
      if (!log) throw new FleetError('NO_FILE', '/nonexistent');
      data = log;
    }
    const from = request.offset < 0 ? Math.max(0, data.length + request.offset) : request.offset;
    return { data: data.subarray(from), offset: data.length, overflow: false };
  }
  async *followLog(
    request: { process: ProcessName | null; channel: 'stdout' | 'stderr'; backlog: number },
    signal: AbortSignal,
  ): AsyncIterable<{ data: Buffer; truncated: boolean }> {
    this.enter('followLog', JSON.stringify(request));
    const data = request.process ? this.logs.get(this.find(request.process).name) : this.mainLog;
    if (!data) throw new FleetError('NO_FILE', '/nonexistent');
    yield { data: data.subarray(Math.max(0, data.length - request.backlog)), truncated: false };
    yield { data: Buffer.from('after truncation\n'), truncated: true };
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  }
  async clearLogs(target: ProcessTarget): Promise<ProcessResult[]> {
    this.enter('clearLogs', JSON.stringify(target));
    return this.select(target).map((i) => ({ group: i.group, name: i.name, code: 'SUCCESS', description: 'OK' }));
  }
  async reread(): Promise<RereadResult> {
    this.enter('reread');
    return this.rereadResult;
  }
  /** What updateGroups answers (the agent computes it; the fake only returns it). */
  updates: GroupUpdate[] = [];
  async updateGroups(names: string[]): Promise<GroupUpdate[]> {
    this.enter('updateGroups', names.join(' '));
    return this.updates;
  }
  async addGroup(name: string): Promise<void> {
    this.enter('addGroup', name);
    if (this.processes.some((i) => i.group === name)) throw new FleetError('ALREADY_ADDED', name);
    if (!this.rereadResult.added.includes(name)) throw new FleetError('BAD_NAME', name);
  }
  async removeGroup(name: string): Promise<void> {
    this.enter('removeGroup', name);
    const members = this.processes.filter((i) => i.group === name);
    if (members.length === 0) throw new FleetError('BAD_NAME', name);
    if (members.some((i) => i.statename === 'RUNNING')) throw new FleetError('STILL_RUNNING', name);
    this.processes = this.processes.filter((i) => i.group !== name);
  }
  async listConfigs(): Promise<ProcessConfigSummary[]> {
    this.enter('listConfigs');
    return this.configs;
  }
  async sendStdin(p: ProcessName, data: Buffer): Promise<void> {
    this.enter('sendStdin', `${p.name} ${JSON.stringify(data.toString())}`);
    if (this.find(p).statename !== 'RUNNING') throw new FleetError('NOT_RUNNING', p.name);
  }
  async shutdown(restart: boolean): Promise<void> {
    this.enter('shutdown', String(restart));
  }
  close(): void {
    this.closed++;
  }
}

/** Lines for y/N questions and fg, in order; then end of input. */
export function scriptedLines(lines: string[] = []): LineSource {
  const queue = [...lines];
  return {
    readLine: async () => queue.shift() ?? null,
    readSecret: async () => queue.shift() ?? null,
  };
}

export interface CtlRun {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs one fleetctl line against the fake, as `fleetctl <line>` would. */
export async function runLine(
  agent: AgentClient,
  line: string,
  options: { interactive?: boolean; lines?: string[]; serverurl?: string; json?: boolean } = {},
): Promise<CtlRun> {
  const session = new Session({
    serverurl: options.serverurl ?? 'unix:///tmp/fake.sock',
    username: null,
    password: null,
    interactive: options.interactive ?? false,
    output: options.json ? 'json' : 'text',
    connect: () => agent,
  });
  const io = new BufferWriter();
  const controller = new Controller(session, io, scriptedLines(options.lines));
  const { code } = await controller.onecmd(line);
  session.close();
  return { stdout: io.stdout, stderr: io.stderr, code };
}
