/**
 * EnrollService on grpc-js (enroll.proto): Join signs an agent's first certificate on a join
 * token, Renew a new one for the host of the certificate the call presents. Who may call was
 * settled by the call gate (the join role for Join; a valid agent certificate for Renew); the
 * signing, recording and limits are the PKI's (controller/pki/agent-certificates.ts: Join
 * refuses a host name that holds a valid certificate, Renew a certificate with more than half
 * of its lifetime left). Refused joins are audited like the others. In insecure mode there is
 * no CA: both answer FAILED and say how agents connect there.
 */
import { FleetError } from '../../common/errors.js';
import type { EnrollServiceDefinition, IssuedCertificate } from '../../proto/gen/fleet/v1/enroll.js';
import type { GrpcServiceImplementation } from '../../proto/grpc-js.js';
import type { Caller } from '../core/caller.js';
import type { ControllerLog } from '../log.js';
import type { AgentCertificates } from '../pki/agent-certificates.js';
import type { SignedCertificate } from '../pki/certificate-authority.js';
import { unary, type CallGuard } from './rpc-call.js';
import { peerCertificateOf } from './tls-credentials.js';

export interface EnrollServiceOptions extends CallGuard {
  /** Secure mode's agent certificates; null in insecure mode. */
  certificates: AgentCertificates | null;
  log: ControllerLog;
  /** Writes the enrollment into the audit trail. */
  recordJoin(caller: Caller, host: string, outcome: string): Promise<void>;
}

const INSECURE =
  'this controller runs with --insecure: it has no CA and enrolls no agent; agents connect in plaintext there ([fleet] insecure = true). ' +
  'Start the controller without --insecure for enrollment and mutual TLS';

export function createEnrollService(options: EnrollServiceOptions): GrpcServiceImplementation<typeof EnrollServiceDefinition> {
  const { certificates, log } = options;
  return {
    join: unary(options, async (request, caller) => {
      if (certificates === null) throw new FleetError('FAILED', INSECURE);
      let signed: SignedCertificate;
      try {
        signed = await certificates.enroll(request.host, request.csrPem);
      } catch (err) {
        await options.recordJoin(caller, request.host, `refused: ${(err as Error).message}`);
        throw err;
      }
      log.info(`${request.host}: joined with the join token ${caller.who} from ${caller.origin}; certificate ${signed.serial} valid until ${new Date(signed.notAfter).toISOString()}`);
      await options.recordJoin(caller, request.host, 'ok');
      return { certificate: toProtoCertificate(signed, certificates) };
    }),

    renew: (call, callback) => {
      const renew = unary(options, async (request: { csrPem: string }) => {
        if (certificates === null) throw new FleetError('FAILED', INSECURE);
        const { host, signed } = await certificates.renew(peerCertificateOf(call), request.csrPem);
        log.info(`${host}: renewed its certificate from ${call.getPeer()}; certificate ${signed.serial} valid until ${new Date(signed.notAfter).toISOString()}`);
        return { certificate: toProtoCertificate(signed, certificates) };
      });
      renew(call, callback);
    },
  };
}

function toProtoCertificate(signed: SignedCertificate, certificates: AgentCertificates): IssuedCertificate {
  return {
    certificatePem: signed.pem,
    caPem: certificates.ca.certificatePem,
    notBeforeMs: BigInt(signed.notBefore),
    notAfterMs: BigInt(signed.notAfter),
  };
}
