/**
 * A real controller in secure mode, in-process: its own CA in the temp data dir, TLS on
 * 127.0.0.1:0, tokens enforced, agents admitted by client certificate (what fleet-controller
 * does without --insecure). Tokens are minted straight into its database through a second
 * connection, as `fleet-controller bootstrap` does. An admin FleetService client over TLS
 * (pinned CA, fixed name) is at hand, and grpc-js helpers for agents' raw calls.
 */
import { credentials, Metadata, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { join } from 'node:path';
import { FAULT_METADATA_KEY } from '../../common/errors.js';
import { CONTROLLER_TLS_NAME } from '../../common/controller-tls.js';
import { issueToken, type TokenRequest } from '../../controller/auth/token-issuer.js';
import { createControllerLog } from '../../controller/log.js';
import { DATABASE_FILE, startController, type RunningController } from '../../controller/run.js';
import { openTokenDatabase } from '../../controller/store/sqlite-tokens.js';
import type { StoredToken } from '../../controller/store/store.js';
import { AgentServiceDefinition, type ConnectResponse } from '../../proto/gen/fleet/v1/agent_link.js';
import { EnrollServiceDefinition } from '../../proto/gen/fleet/v1/enroll.js';
import { FleetServiceDefinition } from '../../proto/gen/fleet/v1/fleet.js';
import { grpcClientConstructor, type GrpcClient } from '../../proto/grpc-js.js';
import { makeTempDir } from './temp-dir.js';

const FleetClient = grpcClientConstructor(FleetServiceDefinition);
const AgentClient = grpcClientConstructor(AgentServiceDefinition);
const EnrollClient = grpcClientConstructor(EnrollServiceDefinition);

/** Channel options every TLS client of the controller uses: the fixed name is the one checked. */
export const TLS_OPTIONS = { 'grpc.ssl_target_name_override': CONTROLLER_TLS_NAME };

export interface SecureController {
  controller: RunningController;
  address: string;
  port: number;
  dataDir: string;
  fingerprint: string;
  caPem: string;
  /** An admin token. */
  adminToken: string;
  /** Everything the controller logged so far. */
  logText(): string;
  /** Stores a new token and returns its text. */
  mint(request: Partial<TokenRequest> & { role: StoredToken['role'] }, overrides?: Partial<StoredToken>): Promise<string>;
  /** FleetService over TLS, for calls with bearer(adminToken). */
  fleet: GrpcClient<typeof FleetServiceDefinition>;
  /** Closes the client and the controller; removes the data dir unless `keepDir`. Idempotent. */
  close(options?: { keepDir?: boolean }): Promise<void>;
}

export interface SecureControllerOptions {
  /** Agent certificates' lifetime (30 days by default). */
  certTtlMs?: number;
  heartbeatMs?: number;
  /** Reuse a data dir (a restart): its CA and database. */
  dataDir?: string;
  /** Listen on this address instead of 127.0.0.1:0. */
  listen?: { host: string; port: number };
  /** An admin token already stored in the reused data dir. */
  adminToken?: string;
}

export async function startSecureController(options: SecureControllerOptions = {}): Promise<SecureController> {
  const temp = options.dataDir ? null : makeTempDir('fleet-secure-test-');
  const dataDir = options.dataDir ?? temp!.path;
  let log = '';
  const controller = await startController({
    listen: options.listen ?? { host: '127.0.0.1', port: 0 },
    http: { host: '127.0.0.1', port: 0 },
    dataDir,
    heartbeatMs: options.heartbeatMs ?? 5000,
    log: createControllerLog({ write: (s: string) => (log += s) }, 'debug'),
    auth: {},
    tls: { certTtlMs: options.certTtlMs },
  });
  const databasePath = join(dataDir, DATABASE_FILE);
  const mint: SecureController['mint'] = async (request, overrides = {}) => {
    const issued = issueToken({ name: '', scopes: [], ttlMs: 0, ...request }, 'test', Date.now());
    await using db = openTokenDatabase(databasePath);
    await db.tokens.addToken({ ...issued.token, ...overrides }, issued.secretHash);
    return issued.text;
  };
  const adminToken = options.adminToken ?? (await mint({ role: 'admin', name: 'test-admin' }));
  const ca = controller.ca!;
  const fleet = new FleetClient(controller.grpcAddress, tlsCredentials(ca.pem), TLS_OPTIONS);
  let closed: Promise<void> | null = null;
  return {
    controller,
    address: controller.grpcAddress,
    port: Number(controller.grpcAddress.slice(controller.grpcAddress.lastIndexOf(':') + 1)),
    dataDir,
    fingerprint: ca.fingerprint,
    caPem: ca.pem,
    adminToken,
    logText: () => log,
    mint,
    fleet,
    async close(closeOptions = {}) {
      closed ??= (async () => {
        fleet.close();
        await controller.close();
      })();
      await closed;
      if (!closeOptions.keepDir) temp?.remove();
    },
  };
}

/** TLS trusting `caPem` alone; with a key and certificate, mutual TLS. */
export function tlsCredentials(caPem: string, identity?: { keyPem: string; certificatePem: string }): ChannelCredentials {
  return identity
    ? credentials.createSsl(Buffer.from(caPem), Buffer.from(identity.keyPem), Buffer.from(identity.certificatePem))
    : credentials.createSsl(Buffer.from(caPem));
}

/** Call metadata carrying `authorization: Bearer <token>`. */
export function bearer(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/** The status code, fault and message of a failed call. */
export function failureOf(err: unknown): { code: number; fault: string | undefined; details: string } {
  const e = err as ServiceError;
  return { code: e.code, fault: e.metadata?.get(FAULT_METADATA_KEY)[0]?.toString(), details: e.details };
}

/**
 * Opens AgentService.Connect with `channel`, says hello as `host`, and resolves with how the
 * stream went: the first message (a HelloAck when admitted) or the error that ended it.
 */
export async function helloOutcome(address: string, channel: ChannelCredentials, host: string): Promise<{ ack: ConnectResponse | null; error: ServiceError | null }> {
  const client = new AgentClient(address, channel, TLS_OPTIONS);
  const call = client.connect();
  try {
    call.write({ body: { $case: 'hello', value: { host, labels: {}, agentVersion: 'test', lastSeq: 0n, instanceId: 'i', pid: 1, startedMs: 0n } } });
    return await new Promise((resolve) => {
      call.once('data', (message: ConnectResponse) => resolve({ ack: message, error: null }));
      call.once('error', (error: ServiceError) => resolve({ ack: null, error }));
    });
  } finally {
    call.cancel();
    client.close();
  }
}

/** EnrollService.Renew with `channel` (a client certificate or none). */
export function renewWith(address: string, channel: ChannelCredentials, csrPem: string): Promise<unknown> {
  const client = new EnrollClient(address, channel, TLS_OPTIONS);
  return new Promise<unknown>((resolve, reject) =>
    client.renew({ csrPem }, new Metadata(), {}, (err, res) => (err ? reject(err) : resolve(res))),
  ).finally(() => client.close());
}
