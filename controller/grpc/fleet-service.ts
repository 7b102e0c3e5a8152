/**
 * FleetService on grpc-js: each RPC converts its request, calls the one core method, and
 * converts what comes back. No operation is implemented here.
 */
import { FleetError } from '../../common/errors.js';
import type { ControllerCore } from '../core/controller-core.js';
import type { ControllerLog } from '../log.js';
import type { AgentCertificates } from '../pki/agent-certificates.js';
import { revokeHost } from '../pki/revoke-host.js';
import type { FleetServiceDefinition } from '../../proto/gen/fleet/v1/fleet.js';
import type { GrpcServiceImplementation } from '../../proto/grpc-js.js';
import { fromProtoScope, fromProtoControlRequest, ListingForms, toProtoHistoryEntry, toProtoHost, toProtoHostError, toProtoLogLine } from './convert-fleet.js';
import { fromProtoChannel, toProtoGroupUpdate, toProtoResult, toSafeNumber } from './convert-process.js';
import { serverStream, unary, type CallGuard } from './rpc-call.js';

/** `pki`: secure mode's agent certificates (RevokeHost) and the log; null in insecure mode. */
export function createFleetService(
  core: ControllerCore,
  guard: CallGuard,
  pki: { certificates: AgentCertificates; log: ControllerLog } | null = null,
): GrpcServiceImplementation<typeof FleetServiceDefinition> {
  const listingForms = new ListingForms();
  return {
    listHosts: unary(guard, (request, caller) => ({
      hosts: core.listHosts(caller, { hosts: request.hosts, labels: request.labels ? { ...request.labels.labels } : undefined }).map(toProtoHost),
    })),

    listProcesses: unary(guard, (request, caller) => {
      const listing = core.listProcesses(caller, fromProtoScope(request.scope), request.addresses);
      return {
        processes: request.byHost ? [] : listingForms.processes(listing.processes),
        hostProcesses: request.byHost ? listingForms.hostProcesses(listing.processes) : [],
        hosts: listing.hosts.map(toProtoHost),
        errors: listing.errors.map(toProtoHostError),
      };
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
