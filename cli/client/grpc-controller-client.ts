/**
 * ControllerClient over gRPC (fleet.v1.FleetService), on fleetctl's node:http2 transport
 * (grpc-transport.ts) and the generated message codecs; no @grpc/grpc-js. fleetctl imports this
 * module only when a cluster command first needs the controller (cli/cluster/cluster-session.ts),
 * so `help` and usage errors load neither http2 nor the codecs.
 *
 * The connection (controller-connection.ts) says where the controller is, how to reach it and
 * which token every call carries.
 */
import type { HostScope } from '../../common/address.js';
import type { FleetEntry, HistoryEvent } from '../../common/fleet-event.js';
import type { GroupUpdate } from '../../common/group-update.js';
import type { HostInfo, LabelSelector } from '../../common/host.js';
import { FleetServiceDefinition as Service } from '../../proto/gen/fleet/v1/fleet.js';
import { LogChannel as ProtoLogChannel } from '../../proto/gen/fleet/v1/agent_control.js';
import { controllerEndpoint, controllerTransportOptions, type ControllerConnection } from './controller-connection.js';
import type {
  ControlOutcome,
  ControlRequest,
  ControllerClient,
  HistoryRequest,
  HostOutcome,
  HostRevocation,
  HostsRequest,
  LogOutcome,
  LogsRequest,
  ProcessListing,
  RereadResult,
} from './controller-client.js';
import { fromProtoHistoryEntry, fromProtoHost, fromProtoHostError, fromProtoLogLine, toProtoAction, toProtoScope } from './fleet-convert.js';
import { GrpcTransport, grpcMethods, type GrpcMethod } from './grpc-transport.js';
import { fromProtoGroupUpdate, fromProtoProcessInfo, fromProtoResult } from './proto-convert.js';
import { toControllerError } from './wire-errors.js';

const rpc = grpcMethods(Service);

/** How long a unary call (a listing, a history query) may take before fleetctl gives up on the controller. */
export const UNARY_TIMEOUT_MS = 30_000;

export function connectController(connection: ControllerConnection): ControllerClient {
  return new GrpcControllerClient(connection);
}

class GrpcControllerClient implements ControllerClient {
  readonly address: string;
  private readonly transport: GrpcTransport;

  constructor(connection: ControllerConnection) {
    this.address = connection.address.text;
    this.transport = new GrpcTransport(controllerEndpoint(connection), controllerTransportOptions(connection));
  }

  async listHosts(query: { hosts: readonly string[]; labels?: LabelSelector }, signal?: AbortSignal): Promise<HostInfo[]> {
    const request = { hosts: [...query.hosts], labels: query.labels ? { labels: { ...query.labels } } : undefined };
    return (await this.unary(rpc.listHosts, request, signal)).hosts.map(fromProtoHost);
  }

  async listProcesses(scope: HostScope, addresses: readonly string[], signal?: AbortSignal): Promise<ProcessListing> {
    const res = await this.unary(rpc.listProcesses, { scope: toProtoScope(scope), addresses: [...addresses] }, signal);
    return {
      processes: res.processes.filter((p) => p.info !== undefined).map((p) => ({ host: p.host, info: fromProtoProcessInfo(p.info!) })),
      hosts: res.hosts.map(fromProtoHost),
      errors: res.errors.map(fromProtoHostError),
    };
  }

  async *control(request: ControlRequest, signal?: AbortSignal): AsyncIterable<ControlOutcome> {
    const req = {
      scope: toProtoScope(request.scope),
      addresses: [...request.addresses],
      action: toProtoAction(request.action),
      signal: request.signal ?? '',
      wait: request.wait,
    };
    for await (const message of this.stream(rpc.control, req, signal)) {
      if (message.error) yield { kind: 'host-error', error: fromProtoHostError(message.error) };
      for (const result of message.results) yield { kind: 'result', host: message.host, result: fromProtoResult(result) };
    }
  }

  async *reread(request: HostsRequest, signal?: AbortSignal): AsyncIterable<HostOutcome<RereadResult>> {
    for await (const message of this.stream(rpc.reread, { scope: toProtoScope(request.scope), hosts: [...request.hosts] }, signal)) {
      if (message.error) yield { kind: 'host-error', error: fromProtoHostError(message.error) };
      else if (message.reread) yield { kind: 'ok', host: message.host, value: { added: message.reread.added, changed: message.reread.changed, removed: message.reread.removed } };
    }
  }

  async *update(request: HostsRequest & { groups: readonly string[] }, signal?: AbortSignal): AsyncIterable<HostOutcome<GroupUpdate[]>> {
    const req = { scope: toProtoScope(request.scope), hosts: [...request.hosts], groups: [...request.groups] };
    for await (const message of this.stream(rpc.update, req, signal)) {
      if (message.error) yield { kind: 'host-error', error: fromProtoHostError(message.error) };
      else if (message.update) yield { kind: 'ok', host: message.host, value: message.update.updates.map(fromProtoGroupUpdate) };
    }
  }

  async history(request: HistoryRequest, signal?: AbortSignal): Promise<HistoryEvent[]> {
    const req = {
      scope: toProtoScope(request.scope),
      addresses: [...request.addresses],
      sinceMs: BigInt(request.since),
      untilMs: BigInt(request.until),
      limit: request.limit,
    };
    const entries = (await this.unary(rpc.history, req, signal)).entries.map(fromProtoHistoryEntry);
    return entries.filter((e): e is HistoryEvent => e !== null && e.kind !== 'liveness');
  }

  async *watchEvents(request: { scope: HostScope; addresses: readonly string[] }, signal: AbortSignal): AsyncIterable<FleetEntry> {
    for await (const message of this.stream(rpc.watchEvents, { scope: toProtoScope(request.scope), addresses: [...request.addresses] }, signal)) {
      const entry = message.entry ? fromProtoHistoryEntry(message.entry) : null;
      if (entry) yield entry;
    }
  }

  async *logs(request: LogsRequest, signal: AbortSignal): AsyncIterable<LogOutcome> {
    const req = {
      scope: toProtoScope(request.scope),
      addresses: [...request.addresses],
      channels: request.channels.map((c) => (c === 'stderr' ? ProtoLogChannel.LOG_CHANNEL_STDERR : ProtoLogChannel.LOG_CHANNEL_STDOUT)),
      sinceMs: BigInt(request.since),
      follow: request.follow,
    };
    for await (const message of this.stream(rpc.logs, req, signal)) {
      const body = message.body;
      if (body?.$case === 'chunk') yield { kind: 'chunk', chunk: fromProtoLogLine(body.value) };
      else if (body?.$case === 'hostError') yield { kind: 'host-error', error: fromProtoHostError(body.value) };
    }
  }

  async revokeHost(host: string, signal?: AbortSignal): Promise<HostRevocation> {
    const res = await this.unary(rpc.revokeHost, { host }, signal);
    return { revokedCertificates: res.revokedCertificates, disconnected: res.disconnected };
  }

  close(): void {
    this.transport.close();
  }

  private async unary<Req, Res>(method: GrpcMethod<Req, Res>, request: Req, signal?: AbortSignal): Promise<Res> {
    try {
      return await this.transport.unary(method, request, { signal, deadline: Date.now() + UNARY_TIMEOUT_MS });
    } catch (err) {
      throw toControllerError(err, this.address);
    }
  }

  /** A server stream; it ends quietly when `signal` aborts, and fails with a FleetError otherwise. */
  private async *stream<Req, Res>(method: GrpcMethod<Req, Res>, request: Req, signal?: AbortSignal): AsyncGenerator<Res> {
    if (signal?.aborted) return;
    try {
      yield* this.transport.serverStream(method, request, { signal });
    } catch (err) {
      if (signal?.aborted) return;
      throw toControllerError(err, this.address);
    }
  }
}
