/**
 * AdminService on grpc-js: each RPC converts its request, calls TokenAdmin (controller/auth),
 * and converts what comes back. Every method needs an admin token (the call gate checks it).
 */
import type { AdminServiceDefinition } from '../../proto/gen/fleet/v1/admin.js';
import type { GrpcServiceImplementation } from '../../proto/grpc-js.js';
import type { TokenAdmin } from '../auth/token-admin.js';
import { fromProtoRole, toProtoAuditEntry, toProtoToken } from './convert-admin.js';
import { toSafeNumber } from './convert-process.js';
import { unary, type CallGuard } from './rpc-call.js';

export function createAdminService(admin: TokenAdmin, guard: CallGuard): GrpcServiceImplementation<typeof AdminServiceDefinition> {
  return {
    createToken: unary(guard, async (request, caller) => {
      const ttlMs = toSafeNumber(request.ttlMs, 'ttl_ms');
      const { text, token } = await admin.createToken(caller, { name: request.name, role: fromProtoRole(request.role), scopes: request.scopes, ttlMs });
      return { text, token: toProtoToken(token) };
    }),

    listTokens: unary(guard, async () => ({ tokens: (await admin.listTokens()).map(toProtoToken) })),

    revokeToken: unary(guard, async (request, caller) => ({ token: toProtoToken(await admin.revokeToken(caller, request.id)) })),

    listAudit: unary(guard, async (request) => {
      const entries = await admin.listAudit({ since: toSafeNumber(request.sinceMs, 'since_ms'), who: request.who, limit: request.limit });
      return { entries: entries.map(toProtoAuditEntry) };
    }),
  };
}
