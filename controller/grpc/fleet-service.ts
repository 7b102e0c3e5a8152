/**
 * FleetService on grpc-js: each RPC converts its request, calls the one core method, and
 * converts what comes back. No operation is implemented here.
 */
import { FleetError } from '../../common/errors.js';
import type { ControllerCore } from '../core/controller-core.js';
import type { ControllerLog } from '../log.js';
import type { AgentCertificates } from '../pki/agent-certificates.js';
import { revokeHost } from '../pki/revoke-host.js';
import type { FleetServiceDefinition, HostProcess } from '../../proto/gen/fleet/v1/fleet.js';
import type { ProcessInfo } from '../../common/process-info.js';
import type { GrpcServiceImplementation } from '../../proto/grpc-js.js';
import { fromProtoScope, fromProtoControlRequest, toProtoHistoryEntry, toProtoHost, toProtoHostError, toProtoLogLine } from './convert-fleet.js';
import { fromProtoChannel, toProtoGroupUpdate, toProtoProcessInfo, toProtoResult, toSafeNumber } from './convert-process.js';
import { serverStream, unary, type CallGuard } from './rpc-call.js';

/** `pki`: secure mode's agent certificates (RevokeHost) and the log; null in insecure mode. */
export function createFleetService(
  core: ControllerCore,
  guard: CallGuard,
  pki: { certificates: AgentCertificates; log: ControllerLog } | null = null,
): GrpcServiceImplementation<typeof FleetServiceDefinition> {
  // Each whole host's processes in wire form, kept per list of the view (listings far outnumber
  // changes; `status -A` over 1,000 hosts would convert 20,000 infos each time). The view
  // replaces a host's list when the host changes, so a kept form is never out of date: it holds
  // what converting the same infos now would give (a running process's description has the
  // uptime at its last transition either way; fleetctl counts it on from start_ms).
  const wireForms = new WeakMap<readonly ProcessInfo[], HostProcess[]>();
  return {
    listHosts: unary(guard, (request, caller) => ({
      hosts: core.listHosts(caller, { hosts: request.hosts, labels: request.labels ? { ...request.labels.labels } : undefined }).map(toProtoHost),
    })),

    listProcesses: unary(guard, (request, caller) => {
      const listing = core.listProcesses(caller, fromProtoScope(request.scope), request.addresses);
      const processes: HostProcess[] = [];
      for (const part of listing.byHost) {
        let converted = wireForms.get(part.processes);
        if (converted === undefined) wireForms.set(part.processes, (converted = part.processes.map((info) => ({ host: part.host, info: toProtoProcessInfo(info) }))));
        for (const p of converted) processes.push(p);
      }
      return { processes, hosts: listing.hosts.map(toProtoHost), errors: listing.errors.map(toProtoHostError) };
    }),

    control: serverStream(guard, async function* (request, caller, signal) {
      for await (const outcome of core.control(caller, fromProtoControlRequest(request), signal)) {
        yield outcome.kind === 'results'
          ? { host: outcome.host, results: outcome.results.map(toProtoResult), error: undefined }
          : { host: outcome.error.host, results: [], error: toProtoHostError(outcome.error) };
      }
    }),

    reread: serverStream(guard, async function* (request, caller, signal) {
      for await (const outcome of core.reread(caller, { scope: fromProtoScope(request.scope), hosts: request.hosts }, signal)) {
        yield outcome.kind === 'ok'
          ? { host: outcome.host, reread: outcome.value, error: undefined }
          : { host: outcome.error.host, reread: undefined, error: toProtoHostError(outcome.error) };
      }
    }),

    update: serverStream(guard, async function* (request, caller, signal) {
      for await (const outcome of core.update(caller, { scope: fromProtoScope(request.scope), hosts: request.hosts, groups: request.groups }, signal)) {
        yield outcome.kind === 'ok'
          ? { host: outcome.host, update: { updates: outcome.value.map(toProtoGroupUpdate) }, error: undefined }
          : { host: outcome.error.host, update: undefined, error: toProtoHostError(outcome.error) };
      }
    }),

    history: unary(guard, async (request, caller) => {
      const entries = await core.history(caller, {
        scope: fromProtoScope(request.scope),
        addresses: request.addresses,
        since: toSafeNumber(request.sinceMs, 'since_ms'),
        until: toSafeNumber(request.untilMs, 'until_ms'),
        limit: request.limit,
      });
      return { entries: entries.map(toProtoHistoryEntry) };
    }),

    watchEvents: serverStream(guard, async function* (request, caller, signal) {
      for await (const entry of core.watchEvents(caller, { scope: fromProtoScope(request.scope), addresses: request.addresses }, signal)) {
        yield { entry: toProtoHistoryEntry(entry) };
      }
    }),

    logs: serverStream(guard, async function* (request, caller, signal) {
      const logs = core.logs(
        caller,
        {
          scope: fromProtoScope(request.scope),
          addresses: request.addresses,
          channels: request.channels.map(fromProtoChannel),
          since: toSafeNumber(request.sinceMs, 'since_ms'),
          follow: request.follow,
        },
        signal,
      );
      for await (const outcome of logs) {
        yield outcome.kind === 'chunk'
          ? { body: { $case: 'chunk' as const, value: toProtoLogLine(outcome.line) } }
          : { body: { $case: 'hostError' as const, value: toProtoHostError(outcome.error) } };
      }
    }),

    revokeHost: unary(guard, async (request, caller) => {
      if (pki === null) {
        throw new FleetError('FAILED', 'this controller runs with --insecure: there are no certificates to revoke; agents connect in plaintext there');
      }
      return revokeHost(core, pki.certificates, pki.log, caller, request.host);
    }),
  };
}
