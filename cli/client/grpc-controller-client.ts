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
import type { ControllerConnection } from './controller-connection.js';
import { ControllerRpc } from './controller-rpc.js';
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
import { decodeProcessListing } from './fleet-client-listing.js';
import { grpcMethods, type GrpcMethod } from './grpc-transport.js';
import { fromProtoGroupUpdate, fromProtoResult } from './proto-convert.js';

const rpc = grpcMethods(Service);

/** ListProcesses with its answer read straight into a ProcessListing (fleet-client-listing.ts). */
const listProcessesMethod: GrpcMethod<Parameters<typeof rpc.listProcesses.encode>[0], ProcessListing> = { ...rpc.listProcesses, decode: decodeProcessListing };

export function connectController(connection: ControllerConnection): ControllerClient {
  return new GrpcControllerClient(connection);
}

class GrpcControllerClient extends ControllerRpc implements ControllerClient {
  async listHosts(query: { hosts: readonly string[]; labels?: LabelSelector }, signal?: AbortSignal): Promise<HostInfo[]> {
    const request = { hosts: [...query.hosts], labels: query.labels ? { labels: { ...query.labels } } : undefined };
    return (await this.unary(rpc.listHosts, request, signal)).hosts.map(fromProtoHost);
  }

  async listProcesses(scope: HostScope, addresses: readonly string[], signal?: AbortSignal): Promise<ProcessListing> {
    return this.unary(listProcessesMethod, { scope: toProtoScope(scope), addresses: [...addresses], byHost: true }, signal);
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
}
