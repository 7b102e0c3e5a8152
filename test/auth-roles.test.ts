/**
 * The role table against the real controller: every method of every service the controller
 * serves (taken from the generated definitions in SERVED_SERVICES, so a new RPC without an entry
 * in controller/auth/rpc-roles.ts fails here) is called with every kind of caller (no token, a
 * viewer, operator, admin and join token, an agent's certificate identity), and must be let in
 * or turned away exactly as the table says.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { credentials, Metadata, status, type Client, type ClientDuplexStream, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { RPC_REQUIREMENTS, type RpcRequirement } from '../controller/auth/rpc-roles.js';
import { roleMeets } from '../controller/auth/access-control.js';
import { anonymousCaller } from '../controller/core/caller.js';
import { SERVED_SERVICES } from '../controller/grpc/grpc-server.js';
import { grpcClientConstructor, type GenericMethod, type GenericService } from '../proto/grpc-js.js';
import { bearer, startAuthController, type AuthController, type Role } from './helpers/auth-harness.js';
import { waitFor } from './helpers/wait-for.js';

type Credential = 'no token' | Role | 'agent certificate';
const CREDENTIALS: readonly Credential[] = ['no token', 'viewer', 'operator', 'admin', 'join', 'agent certificate'];

/** Whether the table lets `credential` call a method that needs `requirement`. */
function expectedAllowed(requirement: RpcRequirement, credential: Credential): boolean {
  if (credential === 'no token') return false;
  if (credential === 'agent certificate') return requirement === 'agent';
  return roleMeets(credential, requirement);
}

/**
 * Requests that make a method answer at once when it is let in (most answer an empty request
 * with a result or a fault of their own); `provoke` makes a silent stream send something.
 */
const PROBES: Record<string, { request?: object; provoke?: (ctl: AuthController) => void }> = {
  '/fleet.v1.AgentService/Connect': {
    request: { body: { $case: 'hello', value: { host: 'probe-host', labels: {}, agentVersion: 'probe', lastSeq: 0n, instanceId: 'probe', pid: 1, startedMs: 0n } } },
  },
  '/fleet.v1.FleetService/WatchEvents': {
    request: { scope: { scope: { $case: 'allHosts', value: true } }, addresses: [] },
    provoke: (ctl) => void ctl.controller.core.recordAction(anonymousCaller('probe'), { action: 'probe', addresses: [], hosts: [], failures: [] }),
  },
};

type Outcome = { allowed: true } | { allowed: false; code: number; details: string };

const DENIALS: ReadonlySet<number> = new Set([status.UNAUTHENTICATED, status.PERMISSION_DENIED]);

function outcomeOf(err: ServiceError | null): Outcome {
  if (err === null || !DENIALS.has(err.code)) return { allowed: true };
  return { allowed: false, code: err.code, details: err.details };
}

/** Calls `method` once with `metadata`; resolves with whether the gate let it in. */
async function probe(ctl: AuthController, client: Client, key: string, method: GenericMethod, path: string, metadata: Metadata): Promise<Outcome> {
  const spec = PROBES[path] ?? {};
  const request = (method.requestType as unknown as { fromPartial(o: object): unknown }).fromPartial(spec.request ?? {});
  const fn = (client as unknown as Record<string, (...args: unknown[]) => unknown>)[key]!.bind(client);
  if (!method.requestStream && !method.responseStream) {
    return new Promise((resolve) => fn(request, metadata, {}, (err: ServiceError | null) => resolve(outcomeOf(err))));
  }
  if (method.requestStream && !method.responseStream) {
    return new Promise((resolve) => {
      const call = fn(metadata, {}, (err: ServiceError | null) => resolve(outcomeOf(err))) as ClientDuplexStream<unknown, unknown>;
      call.write(request);
      call.end();
    });
  }
  const call = (method.requestStream ? fn(metadata) : fn(request, metadata)) as ClientReadableStream<unknown> & Partial<ClientDuplexStream<unknown, unknown>>;
  if (method.requestStream) call.write!(request);
  let outcome: Outcome | null = null;
  call.on('data', () => (outcome ??= { allowed: true }));
  call.on('error', (err: ServiceError) => (outcome ??= outcomeOf(err)));
  call.on('end', () => (outcome ??= { allowed: true }));
  try {
    return await waitFor(
      () => {
        if (outcome === null) spec.provoke?.(ctl);
        return outcome;
      },
      { what: `an answer from ${path} (a stream that stays silent when let in needs a PROBES entry)`, intervalMs: 50 },
    );
  } finally {
    call.cancel();
  }
}

describe('the role table, walked with every kind of caller', () => {
  let ctl: AuthController;
  before(async () => {
    ctl = await startAuthController();
  });
  after(() => ctl.close());

  test('every method of every served service has an entry in the role table', () => {
    const missing = SERVED_SERVICES.flatMap((s) => Object.values(s.methods).map((m) => `/${s.fullName}/${m.name}`)).filter((path) => RPC_REQUIREMENTS[path] === undefined);
    assert.deepEqual(missing, [], 'add these paths to controller/auth/rpc-roles.ts');
  });

  test('the role table names no method the controller does not serve', () => {
    const served = new Set(SERVED_SERVICES.flatMap((s) => Object.values(s.methods).map((m) => `/${s.fullName}/${m.name}`)));
    assert.deepEqual(Object.keys(RPC_REQUIREMENTS).filter((path) => !served.has(path)), []);
  });

  for (const service of SERVED_SERVICES as GenericService[]) {
    for (const [key, method] of Object.entries(service.methods)) {
      const path = `/${service.fullName}/${method.name}`;
      test(`${path} lets in exactly the callers its role (${RPC_REQUIREMENTS[path] ?? 'none'}) allows`, async () => {
        const requirement = RPC_REQUIREMENTS[path];
        assert.ok(requirement, `${path} has no entry in controller/auth/rpc-roles.ts`);
        const Client = grpcClientConstructor(service);
        const client = new Client(ctl.address, credentials.createInsecure());
        try {
          const seen: string[] = [];
          const wanted: string[] = [];
          for (const credential of CREDENTIALS) {
            ctl.agentHost = credential === 'agent certificate' ? 'probe-host' : null;
            const token = credential === 'no token' || credential === 'agent certificate' ? null : ctl.tokens[credential];
            const outcome = await probe(ctl, client, key, method, path, bearer(token));
            seen.push(`${credential}: ${outcome.allowed ? 'allowed' : 'denied'}`);
            wanted.push(`${credential}: ${expectedAllowed(requirement, credential) ? 'allowed' : 'denied'}`);
            // Without credentials it is UNAUTHENTICATED; with valid ones that do not fit, PERMISSION_DENIED.
            if (!outcome.allowed && credential === 'no token') assert.equal(status[outcome.code], 'UNAUTHENTICATED', outcome.details);
          }
          assert.deepEqual(seen, wanted);
        } finally {
          ctl.agentHost = null;
          client.close();
        }
      });
    }
  }

  test('a refused caller is told what it lacks: no token, a role too low, a join token off its one use', async () => {
    const Client = grpcClientConstructor(SERVED_SERVICES.find((s) => s.fullName === 'fleet.v1.AdminService')!);
    const client = new Client(ctl.address, credentials.createInsecure()) as unknown as Record<string, (...a: unknown[]) => unknown> & Client;
    const details = async (token: string | null): Promise<string> =>
      new Promise((resolve) => client['listTokens']!({}, bearer(token), {}, (err: ServiceError | null) => resolve(`${err ? status[err.code] : 'OK'}: ${err?.details ?? ''}`)));
    try {
      assert.match(await details(null), /^UNAUTHENTICATED: this controller needs an API token: give fleetctl --token/);
      assert.match(await details(ctl.tokens.operator), /^PERMISSION_DENIED: ListTokens needs the admin role or above; token operator-token \([0-9a-f]{16}\) has the operator role$/);
      assert.match(await details(ctl.tokens.join), /^PERMISSION_DENIED: ListTokens needs the admin role or above; token join-token \([0-9a-f]{16}\) has the join role$/);
      assert.match(await details(ctl.tokens.admin), /^OK/);
    } finally {
      client.close();
    }
  });
});
