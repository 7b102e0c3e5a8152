/**
 * AgentClient over gRPC (AgentControlService): the only fleetctl module that loads
 * @grpc/grpc-js and the generated code, so the CLI imports it lazily (cli/session.ts) and
 * `help` never pays for it.
 *
 * Errors, as agent-client.ts promises: the agent's fault name (trailing metadata `fleet-fault`)
 * becomes the FleetError's code and the status message its message; UNAUTHENTICATED becomes
 * FAILED `Server requires authentication`; no agent listening becomes HOST_UNREACHABLE at once
 * (calls do not wait for a connection), with supervisorctl's text `<url> no such file` or
 * `<url> refused connection` and, as cause, an Error whose `code` is ENOENT or ECONNREFUSED; an
 * agent that goes away during a call is HOST_UNREACHABLE `<url> closed the connection` (ECONNRESET).
 * A call whose AbortSignal fires is cancelled and rejects with the signal's reason.
 */
import { credentials, Metadata, status as Status, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { FAULT_METADATA_KEY, FleetError } from '../../common/errors.js';
import type { GroupUpdate } from '../../common/group-update.js';
import type { ProcessInfo, ProcessResult } from '../../common/process-info.js';
import { AgentControlServiceClient } from '../../proto/gen/fleet/v1/agent_control.js';
import type {
  AgentClient,
  AgentState,
  LogChannel,
  ProcessConfigSummary,
  ProcessName,
  ProcessTarget,
  ReadLogRequest,
  ReadLogResult,
  RereadResult,
} from './agent-client.js';
import { fromProtoGroupUpdate, fromProtoProcessInfo, fromProtoResult, toErrorCode, toProtoChannel, toProtoTarget } from './proto-convert.js';


const CHANNEL_OPTIONS = {
  // Log reads can be as large as the log; the agent is trusted.
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
  // A call is not replayed on another connection: start and stop are not idempotent.
  'grpc.enable_retries': 0,
  // grpc-js shares connections between clients of the same target by default; a client made
  // after an agent (re)started must not inherit another client's failed connection and backoff.
  'grpc.use_local_subchannel_pool': 1,
};

type Callback<Res> = (error: ServiceError | null, response: Res) => void;
type UnaryMethod<Req, Res> = (request: Req, metadata: Metadata, options: Partial<CallOptions>, callback: Callback<Res>) => ClientUnaryCall;

/** `unix:///abs/path` or `http://host[:port]` to a grpc-js target; BAD_ADDRESS otherwise (supervisorctl's open text). */
export function grpcTarget(url: string): string {
  if (url.startsWith('unix://')) {
    const path = url.slice('unix://'.length);
    if (path === '') throw new FleetError('BAD_ADDRESS', 'url must be http:// or unix://');
    return path.startsWith('/') ? `unix://${path}` : `unix:${path}`;
  }
  if (url.startsWith('http://')) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new FleetError('BAD_ADDRESS', `bad url ${url}`);
    }
    return `${parsed.hostname}:${parsed.port || '80'}`;
  }
  throw new FleetError('BAD_ADDRESS', 'url must be http:// or unix://');
}

/** A transport or server error to the FleetError agent-client.ts documents. */
export function toFleetError(err: ServiceError, url: string): FleetError {
  const [fault] = err.metadata?.get(FAULT_METADATA_KEY) ?? [];
  if (typeof fault === 'string' && fault !== '') return new FleetError(toErrorCode(fault), err.details);
  if (err.code === Status.UNAUTHENTICATED) return new FleetError('FAILED', 'Server requires authentication');
  if (err.code === Status.UNAVAILABLE || err.code === Status.CANCELLED) {
    // CANCELLED reaches here only when the agent cut the call (ours reject with the signal's reason).
    const details = err.details ?? '';
    const errno = /\b(ENOENT|ECONNREFUSED|EACCES|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/.exec(details)?.[1];
    const neverConnected = errno !== undefined || /No connection established/.test(details);
    const code = errno ?? (neverConnected ? 'ECONNREFUSED' : 'ECONNRESET');
    const text = code === 'ENOENT' ? 'no such file' : code === 'ECONNREFUSED' ? 'refused connection' : code === 'ECONNRESET' ? 'closed the connection' : code;
    return new FleetError('HOST_UNREACHABLE', `${url} ${text}`, { cause: Object.assign(new Error(details), { code }) });
  }
  return new FleetError('INTERNAL', err.details || err.message, { cause: err });
}

export function connectAgent(url: string, auth?: { username: string; password: string }): AgentClient {
  return new GrpcAgentClient(url, auth);
}

class GrpcAgentClient implements AgentClient {
  private readonly stub: AgentControlServiceClient;
  private readonly authorization: string | null;
  private closed = false;

  constructor(
    readonly url: string,
    auth?: { username: string; password: string },
  ) {
    this.stub = new AgentControlServiceClient(grpcTarget(url), credentials.createInsecure(), CHANNEL_OPTIONS);
    this.authorization = auth ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}` : null;
  }

  async getState(signal?: AbortSignal): Promise<AgentState> {
    const res = await this.call(this.stub.getState, {}, signal);
    return {
      version: res.version,
      apiVersion: res.apiVersion,
      identification: res.identification,
      pid: res.pid,
      state: res.state as AgentState['state'],
    };
  }

  async listProcesses(signal?: AbortSignal): Promise<ProcessInfo[]> {
    return (await this.call(this.stub.listProcesses, {}, signal)).processes.map(fromProtoProcessInfo);
  }

  async getProcess(process: ProcessName, signal?: AbortSignal): Promise<ProcessInfo> {
    const res = await this.call(this.stub.getProcess, { process }, signal);
    if (!res.process) throw new FleetError('INTERNAL', 'the agent sent no process');
    return fromProtoProcessInfo(res.process);
  }

  async start(target: ProcessTarget, wait: boolean, signal?: AbortSignal): Promise<ProcessResult[]> {
    return (await this.call(this.stub.startProcesses, { target: toProtoTarget(target), wait }, signal)).results.map(fromProtoResult);
  }

  async stop(target: ProcessTarget, wait: boolean, signal?: AbortSignal): Promise<ProcessResult[]> {
    return (await this.call(this.stub.stopProcesses, { target: toProtoTarget(target), wait }, signal)).results.map(fromProtoResult);
  }

  async signal(target: ProcessTarget, signalName: string, signal?: AbortSignal): Promise<ProcessResult[]> {
    const req = { target: toProtoTarget(target), signal: signalName };
    return (await this.call(this.stub.signalProcesses, req, signal)).results.map(fromProtoResult);
  }

  async readLog(request: ReadLogRequest, signal?: AbortSignal): Promise<ReadLogResult> {
    const res = await this.call(
      this.stub.readLog,
      {
        process: request.process ?? undefined,
        channel: toProtoChannel(request.channel),
        offset: BigInt(request.offset),
        length: BigInt(request.length),
        tail: request.tail,
      },
      signal,
    );
    return { data: res.data, offset: Number(res.offset), overflow: res.overflow };
  }

  async *followLog(
    request: { process: ProcessName | null; channel: LogChannel; backlog: number },
    signal: AbortSignal,
  ): AsyncIterable<{ data: Buffer; truncated: boolean }> {
    signal.throwIfAborted();
    const req = { process: request.process ?? undefined, channel: toProtoChannel(request.channel), backlog: BigInt(request.backlog) };
    const call = this.stub.followLog(req, this.metadata());
    const onAbort = (): void => call.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const message of call as AsyncIterable<{ data: Buffer; truncated: boolean }>) {
        yield { data: message.data, truncated: message.truncated };
      }
    } catch (err) {
      if (signal.aborted) return;
      throw toFleetError(err as ServiceError, this.url);
    } finally {
      signal.removeEventListener('abort', onAbort);
      call.cancel();
    }
  }

  async clearLogs(target: ProcessTarget, signal?: AbortSignal): Promise<ProcessResult[]> {
    return (await this.call(this.stub.clearLogs, { target: toProtoTarget(target) }, signal)).results.map(fromProtoResult);
  }

  async reread(signal?: AbortSignal): Promise<RereadResult> {
    const res = await this.call(this.stub.reread, {}, signal);
    return { added: res.added, changed: res.changed, removed: res.removed };
  }

  async updateGroups(names: string[], signal?: AbortSignal): Promise<GroupUpdate[]> {
    return (await this.call(this.stub.updateGroups, { names }, signal)).updates.map(fromProtoGroupUpdate);
  }

  async addGroup(name: string, signal?: AbortSignal): Promise<void> {
    await this.call(this.stub.addGroup, { name }, signal);
  }

  async removeGroup(name: string, signal?: AbortSignal): Promise<void> {
    await this.call(this.stub.removeGroup, { name }, signal);
  }

  async listConfigs(signal?: AbortSignal): Promise<ProcessConfigSummary[]> {
    return (await this.call(this.stub.listConfigs, {}, signal)).configs.map((c) => ({ ...c }));
  }

  async sendStdin(process: ProcessName, data: Buffer, signal?: AbortSignal): Promise<void> {
    await this.call(this.stub.sendStdin, { process, data }, signal);
  }

  async shutdown(restart: boolean, signal?: AbortSignal): Promise<void> {
    await this.call(this.stub.shutdown, { restart }, signal);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stub.close();
  }

  private metadata(): Metadata {
    const metadata = new Metadata();
    if (this.authorization !== null) metadata.set('authorization', this.authorization);
    return metadata;
  }

  /** One unary call: resolves with the reply, rejects with a FleetError, or with the signal's reason once it fires. */
  private call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, signal?: AbortSignal): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        call.cancel();
        reject(signal!.reason);
      };
      const call = method.call(this.stub, request, this.metadata(), {}, (err, response) => {
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(toFleetError(err, this.url));
        else resolve(response);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
