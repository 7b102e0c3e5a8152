/**
 * AdminClient over gRPC (fleet.v1.AdminService) on fleetctl's node:http2 transport, with the
 * same connection settings as the FleetService client. Loaded only by the commands that need
 * it (token, audit).
 */
import { AdminServiceDefinition as Service, TokenRole, type Token } from '../../proto/gen/fleet/v1/admin.js';
import type { AdminClient, AuditRow, NewTokenRequest, TokenInfo, TokenRoleName } from './admin-client.js';
import type { ControllerConnection } from './controller-connection.js';
import { ControllerRpc } from './controller-rpc.js';
import { grpcMethods } from './grpc-transport.js';

const rpc = grpcMethods(Service);

const ROLES: Record<TokenRoleName, TokenRole> = {
  viewer: TokenRole.TOKEN_ROLE_VIEWER,
  operator: TokenRole.TOKEN_ROLE_OPERATOR,
  admin: TokenRole.TOKEN_ROLE_ADMIN,
  join: TokenRole.TOKEN_ROLE_JOIN,
};

export function connectAdmin(connection: ControllerConnection): AdminClient {
  return new GrpcAdminClient(connection);
}

class GrpcAdminClient extends ControllerRpc implements AdminClient {
  async createToken(request: NewTokenRequest, signal?: AbortSignal): Promise<{ text: string; token: TokenInfo }> {
    const res = await this.unary(rpc.createToken, { name: request.name, role: ROLES[request.role], scopes: [...request.scopes], ttlMs: BigInt(request.ttlMs) }, signal);
    return { text: res.text, token: fromProtoToken(res.token) };
  }

  async listTokens(signal?: AbortSignal): Promise<TokenInfo[]> {
    return (await this.unary(rpc.listTokens, {}, signal)).tokens.map(fromProtoToken);
  }

  async revokeToken(id: string, signal?: AbortSignal): Promise<TokenInfo> {
    return fromProtoToken((await this.unary(rpc.revokeToken, { id }, signal)).token);
  }

  async listAudit(query: { since: number; who: string; limit: number }, signal?: AbortSignal): Promise<AuditRow[]> {
    const res = await this.unary(rpc.listAudit, { sinceMs: BigInt(query.since), who: query.who, limit: query.limit }, signal);
    return res.entries.map((e) => ({
      id: Number(e.id),
      time: Number(e.timeMs),
      who: e.who,
      tokenId: e.tokenId,
      origin: e.origin,
      action: e.action,
      addresses: e.addresses,
      hosts: e.hosts,
      result: e.result,
    }));
  }
}

function fromProtoToken(token: Token | undefined): TokenInfo {
  const t = token ?? { id: '', name: '', role: TokenRole.TOKEN_ROLE_UNSPECIFIED, scopes: [], createdBy: '', createdAtMs: 0n, expiresAtMs: 0n, revokedAtMs: 0n };
  const role = (Object.entries(ROLES) as [TokenRoleName, TokenRole][]).find(([, value]) => value === t.role)?.[0] ?? 'unknown';
  return {
    id: t.id,
    name: t.name,
    role,
    scopes: t.scopes,
    createdBy: t.createdBy,
    createdAt: Number(t.createdAtMs),
    expiresAt: t.expiresAtMs === 0n ? null : Number(t.expiresAtMs),
    revokedAt: t.revokedAtMs === 0n ? null : Number(t.revokedAtMs),
  };
}
