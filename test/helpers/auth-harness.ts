/**
 * A real controller with tokens enforced (the `auth` option of startController, which secure
 * mode turns on) for the tests of controller/auth: SQLite in a temp dir, gRPC and HTTP on
 * 127.0.0.1:0, its log kept in memory, and tokens minted straight into its database through a
 * second connection (as `fleet-controller bootstrap` does). Plaintext: the TLS layer is
 * tested on its own; what is tested here is what the tokens allow.
 *
 * Agents: a token is never enough for AgentService; the agent's identity would come from its
 * client certificate. Here `agentHost` plays the certificate: the identity the next agent
 * stream is admitted as (tests connect their scripted agents one at a time).
 */
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { join } from 'node:path';
import { FAULT_METADATA_KEY } from '../../common/errors.js';
import { issueToken, type TokenRequest } from '../../controller/auth/token-issuer.js';
import { createControllerLog } from '../../controller/log.js';
import { DATABASE_FILE, startController, type RunningController } from '../../controller/run.js';
import { openTokenDatabase } from '../../controller/store/sqlite-tokens.js';
import type { StoredToken } from '../../controller/store/store.js';
import { AdminServiceDefinition } from '../../proto/gen/fleet/v1/admin.js';
import { FleetServiceDefinition } from '../../proto/gen/fleet/v1/fleet.js';
import { grpcClientConstructor, type GrpcClient } from '../../proto/grpc-js.js';
import { makeTempDir } from './temp-dir.js';

const FleetClient = grpcClientConstructor(FleetServiceDefinition);
const AdminClient = grpcClientConstructor(AdminServiceDefinition);

export type Role = StoredToken['role'];

export interface AuthController {
  controller: RunningController;
  address: string;
  dataDir: string;
  databasePath: string;
  /** Everything the controller logged so far. */
  logText(): string;
  /** A token of each role, no scope, no expiry. */
  tokens: Record<Role, string>;
  /** The identity the next agent stream is admitted as (null: none, as without a certificate). */
  agentHost: string | null;
  /** Stores a new token and returns its text (as bootstrap and token create do). */
  mint(request: Partial<TokenRequest> & { role: Role }, overrides?: Partial<StoredToken>): Promise<{ text: string; token: StoredToken }>;
  fleet: GrpcClient<typeof FleetServiceDefinition>;
  admin: GrpcClient<typeof AdminServiceDefinition>;
  close(): Promise<void>;
}

export interface AuthControllerOptions {
  failures?: { burst?: number; refillMs?: number };
  heartbeatMs?: number;
}

export async function startAuthController(options: AuthControllerOptions = {}): Promise<AuthController> {
  const temp = makeTempDir('fleet-auth-test-');
  let log = '';
  const harness = { agentHost: null as string | null };
  const controller = await startController({
    listen: { host: '127.0.0.1', port: 0 },
    http: { host: '127.0.0.1', port: 0 },
    dataDir: temp.path,
    heartbeatMs: options.heartbeatMs ?? 5000,
    log: createControllerLog({ write: (s: string) => (log += s) }, 'debug'),
    auth: { failures: options.failures, agentIdentityOf: () => harness.agentHost },
  });
  const databasePath = join(temp.path, DATABASE_FILE);
  const mint: AuthController['mint'] = async (request, overrides = {}) => {
    const issued = issueToken({ name: '', scopes: [], ttlMs: 0, ...request }, 'test', Date.now());
    const token = { ...issued.token, ...overrides };
    await using db = openTokenDatabase(databasePath);
    await db.tokens.addToken(token, issued.secretHash);
    return { text: issued.text, token };
  };
  const tokens = {} as Record<Role, string>;
  for (const role of ['viewer', 'operator', 'admin', 'join'] as const) tokens[role] = (await mint({ role, name: `${role}-token` })).text;
  const fleet = new FleetClient(controller.grpcAddress, credentials.createInsecure());
  const admin = new AdminClient(controller.grpcAddress, credentials.createInsecure());
  let closed: Promise<void> | null = null;
  return Object.assign(harness, {
    controller,
    address: controller.grpcAddress,
    dataDir: temp.path,
    databasePath,
    logText: () => log,
    tokens,
    mint,
    fleet,
    admin,
    close() {
      closed ??= (async () => {
        fleet.close();
        admin.close();
        await controller.close();
        temp.remove();
      })();
      return closed;
    },
  });
}

/** Call metadata carrying `authorization: Bearer <token>` (none for null). */
export function bearer(token: string | null): Metadata {
  const metadata = new Metadata();
  if (token !== null) metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

type UnaryMethod<Req, Res> = (request: Req, metadata: Metadata, options: object, callback: (err: ServiceError | null, res: Res) => void) => unknown;

/** A unary call with `token` as a promise. */
export function callWith<Req, Res>(client: object, method: UnaryMethod<Req, Res>, token: string | null, request: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, bearer(token), {}, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** The status code and fault of a failed call. */
export function failureOf(err: unknown): { code: number; fault: string | undefined; details: string } {
  const e = err as ServiceError;
  return { code: e.code, fault: e.metadata?.get(FAULT_METADATA_KEY)[0]?.toString(), details: e.details };
}
