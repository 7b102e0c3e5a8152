/**
 * The one table that says what each controller RPC needs. Every method of every service the
 * controller serves has an entry (a test walks them all, with every role). The local agent's
 * AgentControlService is not here: it is served by fleet-agent on its unix socket, guarded by
 * supervisord's chmod/chown and basic auth.
 *
 * - `viewer` reads, `operator` acts on processes, `admin` manages tokens and hosts; each role
 *   includes the ones before it.
 * - `join` is a join token's only use: enrolling an agent.
 * - `agent` is an agent's client certificate (mutual TLS), never a token.
 */
export type ClientRole = 'viewer' | 'operator' | 'admin';
export type RpcRequirement = ClientRole | 'join' | 'agent';

/** Keyed by gRPC path, `/package.Service/Method`. */
export const RPC_REQUIREMENTS: Readonly<Record<string, RpcRequirement>> = {
  '/fleet.v1.AgentService/Connect': 'agent',

  '/fleet.v1.FleetService/ListHosts': 'viewer',
  '/fleet.v1.FleetService/ListProcesses': 'viewer',
  '/fleet.v1.FleetService/History': 'viewer',
  '/fleet.v1.FleetService/WatchEvents': 'viewer',
  '/fleet.v1.FleetService/Logs': 'viewer',
  '/fleet.v1.FleetService/Control': 'operator',
  '/fleet.v1.FleetService/Reread': 'operator',
  '/fleet.v1.FleetService/Update': 'operator',
  '/fleet.v1.FleetService/RevokeHost': 'admin',

  '/fleet.v1.EnrollService/Join': 'join',
  '/fleet.v1.EnrollService/Renew': 'agent',

  '/fleet.v1.AdminService/CreateToken': 'admin',
  '/fleet.v1.AdminService/ListTokens': 'admin',
  '/fleet.v1.AdminService/RevokeToken': 'admin',
  '/fleet.v1.AdminService/ListAudit': 'admin',
};
