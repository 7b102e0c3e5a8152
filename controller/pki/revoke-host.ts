/**
 * `fleetctl hosts revoke HOST`: every certificate issued to the host until now is refused from
 * this moment (agent-certificates.ts), then its live stream is ended with the reason, so the
 * agent cannot act or report for a moment longer. The host stays known, disconnected, with its
 * history; it comes back only by joining again with a new join token.
 */
import { FleetError } from '../../common/errors.js';
import { hostNameProblem } from '../../common/host.js';
import { callerSeesHost, type Caller } from '../core/caller.js';
import type { ControllerCore } from '../core/controller-core.js';
import type { ControllerLog } from '../log.js';
import type { AgentCertificates } from './agent-certificates.js';

export interface Revocation {
  /** How many certificates were revoked (0: none was still valid). */
  revokedCertificates: number;
  /** Whether a live stream was ended. */
  disconnected: boolean;
}

/** Throws BAD_ARGUMENTS for a name that cannot be a host, NO_SUCH_HOST for one nobody knows. */
export async function revokeHost(core: ControllerCore, certificates: AgentCertificates, log: ControllerLog, caller: Caller, host: string): Promise<Revocation> {
  const problem = hostNameProblem(host);
  if (problem) throw new FleetError('BAD_ARGUMENTS', `${problem}; give one host name, no glob`);
  if (!callerSeesHost(caller, host)) throw new FleetError('PERMISSION_DENIED', `host ${host} is outside the scope of ${caller.who}`);
  if (!certificates.knows(host) && core.listHosts(caller, { hosts: [host] }).length === 0) {
    throw new FleetError('NO_SUCH_HOST', `no host named ${host} has joined or connected (fleetctl hosts lists them)`);
  }
  const revokedCertificates = await certificates.revokeHost(host);
  const disconnected = core.disconnectHost(host, new FleetError('UNAUTHENTICATED', `host ${host} was revoked by ${caller.who}: its certificates are no longer accepted; join again with a new join token`));
  await core.recordAction(caller, { action: 'hosts revoke', addresses: [], hosts: [host], failures: [] });
  log.info(
    `${host}: revoked by ${caller.who} from ${caller.origin} (${revokedCertificates} certificate${revokedCertificates === 1 ? '' : 's'}; ` +
      `${disconnected ? 'its stream was ended' : 'it was not connected'})`,
  );
  return { revokedCertificates, disconnected };
}
