/**
 * AgentClient over gRPC (AgentControlService), spoken with fleetctl's own node:http2 transport
 * (grpc-transport.ts) and the generated message codecs: no @grpc/grpc-js, whose loading alone
 * used to double `fleetctl status`'s time. The CLI still imports this module lazily
 * (cli/session.ts), so `help` loads neither http2 nor the codecs.
 *
 * Errors, as agent-client.ts promises (the mapping is wire-errors.ts): the agent's fault name
 * (trailing metadata `fleet-fault`) becomes the FleetError's code and the status message its
 * message; UNAUTHENTICATED becomes FAILED `Server requires authentication`; no agent listening
 * becomes HOST_UNREACHABLE at once (calls do not wait for a connection), with supervisorctl's text
 * `<url> no such file` or `<url> refused connection` and, as cause, an Error whose `code` is ENOENT
 * or ECONNREFUSED; an agent that goes away during a call is HOST_UNREACHABLE `<url> closed the
 * connection` (ECONNRESET). A call whose AbortSignal fires is cancelled and rejects with the
 * signal's reason.
 */
import { FleetError } from '../../common/errors.js';
import type { GroupUpdate } from '../../common/group-update.js';
import type { ProcessInfo, ProcessResult } from '../../common/process-info.js';
import { AgentControlServiceDefinition as Service } from '../../proto/gen/fleet/v1/agent_control.js';
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
import { GrpcTransport, grpcMethods, type GrpcEndpoint, type GrpcMethod } from './grpc-transport.js';
import { fromProtoGroupUpdate, fromProtoProcessInfo, fromProtoResult, toProtoChannel, toProtoTarget } from './proto-convert.js';
import { toFleetError } from './wire-errors.js';

const rpc = grpcMethods(Service);

/** `unix:///abs/path` or `http://host[:port]` to where to connect; BAD_ADDRESS otherwise (supervisorctl's open text). */
export function agentEndpoint(url: string): GrpcEndpoint {
  if (url.startsWith('unix://')) {
    const path = url.slice('unix://'.length);
    if (path === '') throw new FleetError('BAD_ADDRESS', 'url must be http:// or unix://');
    return { kind: 'unix', path };
  }
  if (url.startsWith('http://')) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new FleetError('BAD_ADDRESS', `bad url ${url}`);
    }
    const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
    return { kind: 'tcp', host, port: Number(parsed.port || '80') };
  }
  throw new FleetError('BAD_ADDRESS', 'url must be http:// or unix://');
}

export function connectAgent(url: string, auth?: { username: string; password: string }): AgentClient {
  return new GrpcAgentClient(url, auth);
}

class GrpcAgentClient implements AgentClient {
  private readonly transport: GrpcTransport;

  constructor(
    readonly url: string,
    auth?: { username: string; password: string },
  ) {
    const authorization = auth ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}` : null;
    this.transport = new GrpcTransport(agentEndpoint(url), { metadata: authorization === null ? {} : { authorization } });
  }

  async getState(signal?: AbortSignal): Promise<AgentState> {
    const res = await this.call(rpc.getState, {}, signal);
    return {
      version: res.version,
      apiVersion: res.apiVersion,
      identification: res.identification,
      pid: res.pid,
      state: res.state as AgentState['state'],
    };
  }

  async listProcesses(signal?: AbortSignal): Promise<ProcessInfo[]> {
    return (await this.call(rpc.listProcesses, {}, signal)).processes.map(fromProtoProcessInfo);
  }

  async getProcess(process: ProcessName, signal?: AbortSignal): Promise<ProcessInfo> {
    const res = await this.call(rpc.getProcess, { process }, signal);
    if (!res.process) throw new FleetError('INTERNAL', 'the agent sent no process');
    return fromProtoProcessInfo(res.process);
  }

  async start(target: ProcessTarget, wait: boolean, signal?: AbortSignal): Promise<ProcessResult[]> {
    return (await this.call(rpc.startProcesses, { target: toProtoTarget(target), wait }, signal)).results.map(fromProtoResult);
  }

  async stop(target: ProcessTarget, wait: boolean, signal?: AbortSignal): Promise<ProcessResult[]> {
    return (await this.call(rpc.stopProcesses, { target: toProtoTarget(target), wait }, signal)).results.map(fromProtoResult);
  }

  async signal(target: ProcessTarget, signalName: string, signal?: AbortSignal): Promise<ProcessResult[]> {
    const req = { target: toProtoTarget(target), signal: signalName };
    return (await this.call(rpc.signalProcesses, req, signal)).results.map(fromProtoResult);
  }

  async readLog(request: ReadLogRequest, signal?: AbortSignal): Promise<ReadLogResult> {
    const res = await this.call(
      rpc.readLog,
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
    try {
      for await (const message of this.transport.serverStream(rpc.followLog, req, { signal })) {
        yield { data: message.data, truncated: message.truncated };
      }
    } catch (err) {
      if (signal.aborted) return;
      throw toFleetError(err, this.url);
    }
  }

  async clearLogs(target: ProcessTarget, signal?: AbortSignal): Promise<ProcessResult[]> {
    return (await this.call(rpc.clearLogs, { target: toProtoTarget(target) }, signal)).results.map(fromProtoResult);
  }

  async reread(signal?: AbortSignal): Promise<RereadResult> {
    const res = await this.call(rpc.reread, {}, signal);
    return { added: res.added, changed: res.changed, removed: res.removed };
  }

  async updateGroups(names: string[], signal?: AbortSignal): Promise<GroupUpdate[]> {
    return (await this.call(rpc.updateGroups, { names }, signal)).updates.map(fromProtoGroupUpdate);
  }

  async addGroup(name: string, signal?: AbortSignal): Promise<void> {
    await this.call(rpc.addGroup, { name }, signal);
  }

  async removeGroup(name: string, signal?: AbortSignal): Promise<void> {
    await this.call(rpc.removeGroup, { name }, signal);
  }

  async listConfigs(signal?: AbortSignal): Promise<ProcessConfigSummary[]> {
    return (await this.call(rpc.listConfigs, {}, signal)).configs.map((c) => ({ ...c }));
  }

  async sendStdin(process: ProcessName, data: Buffer, signal?: AbortSignal): Promise<void> {
    await this.call(rpc.sendStdin, { process, data }, signal);
  }

  async shutdown(restart: boolean, signal?: AbortSignal): Promise<void> {
    await this.call(rpc.shutdown, { restart }, signal);
  }

  close(): void {
    this.transport.close();
  }

  /** One unary call: resolves with the reply, rejects with a FleetError, or with the signal's reason once it fires. */
  private async call<Req, Res>(method: GrpcMethod<Req, Res>, request: Req, signal?: AbortSignal): Promise<Res> {
    try {
      return await this.transport.unary(method, request, { signal });
    } catch (err) {
      throw toFleetError(err, this.url);
    }
  }
}
