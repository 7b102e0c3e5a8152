import { parseDuration } from '../../../common/duration.js';
import { parseAddresses } from '../../../common/address.js';
import { isFleetError } from '../../../common/errors.js';
import type { TokenInfo, TokenRoleName } from '../../client/admin-client.js';
import { Exit } from '../../exit-codes.js';
import { writeJson } from '../../json.js';
import { ljust } from '../../commands/status.js';
import { formatLocalTime } from '../times.js';
import { line, note, UsageError, type ClusterCommand } from './command.js';

const ROLES: readonly TokenRoleName[] = ['viewer', 'operator', 'admin', 'join'];

export const token: ClusterCommand = {
  name: 'token',
  synopsis: 'token create|list|revoke',
  summary: 'API tokens: make, list, revoke (admin)',
  help: `token create --role viewer|operator|admin|join [--scope ADDR[,ADDR...]] [--ttl DUR] [--name NAME] [-o json]
token list [-o json]
token revoke ID
The controller's API tokens; every one of these needs an admin token.

  create    makes a token and prints it, alone on stdout (what it is goes to stderr). It is shown
            this once: the controller keeps only a hash of it.
            --role      viewer reads (status, hosts, history, events, logs); operator also acts
                        (start, stop, restart, signal, reread, update); admin also manages
                        tokens, the audit trail and hosts; join only enrolls agents (fleet-agent join)
            --scope     the addresses the token may see and touch, comma-separated ('web-*/*',
                        'db-1/postgres'); none: everything. Not for join tokens.
            --ttl       how long it lives (90m, 12h, 30d); none: it never expires (join: 1h)
            --name      what lists and the audit trail call it (default: ROLE-ID)
  list      every token: ID, NAME, ROLE, SCOPE, STATE (active, expired, revoked), EXPIRES, CREATED BY
  revoke    refuses the token from its next call on, and ends its dashboard sessions

  -o json   create: {"token", "id", "name", "role", "scopes", "created_by", "created_at_ms", "expires_at_ms"}
            list:   {"tokens": [{"id", "name", "role", "scopes", "state", "created_by", "created_at_ms",
                     "expires_at_ms", "revoked_at_ms"}]}   (times: epoch ms, null for none)

Examples:
  fleetctl token create --role operator --scope 'web-*/*' --name web-oncall --ttl 30d
  fleetctl token create --role join --ttl 1h          then on the new host: fleet-agent join --token ...
  FLEET_TOKEN=$(fleetctl token create --role viewer --name dashboard)
  fleetctl token list
  fleetctl token revoke 3f2a9c0d1e4b5a69

Exit codes: 0; 1 the controller refused (an unknown id for revoke); 2 bad arguments; 4 not an admin token, or no controller.
`,
  flags: [
    { long: 'role', value: true },
    { long: 'scope', value: true },
    { long: 'ttl', value: true },
    { long: 'name', value: true },
  ],
  async run(ctx, args) {
    const [sub, ...rest] = args.positional;
    const onlyFor = (allowed: string, names: string[]): void => {
      const given = names.filter((n) => args.flags.has(n));
      if (given.length > 0) throw new UsageError(`--${given[0]} is for token ${allowed} only`);
    };
    switch (sub) {
      case 'create': {
        if (rest.length > 0) throw new UsageError(`token create takes no arguments, not ${JSON.stringify(rest[0])}: give the role with --role`);
        const role = args.flags.get('role');
        if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
          throw new UsageError(`give the role with --role ${ROLES.join('|')}${typeof role === 'string' ? `, not ${JSON.stringify(role)}` : ''}`);
        }
        const scopeText = args.flags.get('scope');
        const scopes = typeof scopeText === 'string' ? scopeText.split(',').map((s) => s.trim()).filter((s) => s !== '') : [];
        try {
          parseAddresses(scopes);
        } catch (err) {
          if (isFleetError(err, 'BAD_ADDRESS')) throw new UsageError(`--scope: ${err.message}`);
          throw err;
        }
        const ttlText = args.flags.get('ttl');
        const ttlMs = ttlText === undefined ? 0 : parseDuration(String(ttlText));
        if (ttlMs === null || ttlMs < 0 || (ttlText !== undefined && ttlMs === 0)) throw new UsageError(`--ttl: not a duration: ${JSON.stringify(ttlText)} (examples: 90m, 12h, 30d)`);
        const name = args.flags.get('name');
        const admin = await ctx.session.admin();
        const created = await admin.createToken({ name: typeof name === 'string' ? name : '', role: role as TokenRoleName, scopes, ttlMs }, ctx.signal);
        const t = created.token;
        if (args.format === 'json') {
          writeJson(ctx.io, { token: created.text, ...tokenJson(t) });
        } else {
          line(ctx, created.text);
          note(
            ctx,
            `Token ${t.name} (id ${t.id}, role ${t.role}, scope ${t.scopes.length ? t.scopes.join(',') : 'everything'}, ` +
              `${t.expiresAt === null ? 'never expires' : `expires ${formatLocalTime(t.expiresAt)}`}) is above. It is shown this once: keep it now.`,
          );
        }
        return Exit.SUCCESS;
      }
      case 'list': {
        onlyFor('create', ['role', 'scope', 'ttl', 'name']);
        if (rest.length > 0) throw new UsageError('token list takes no arguments');
        const admin = await ctx.session.admin();
        const tokens = await admin.listTokens(ctx.signal);
        const now = ctx.now();
        if (args.format === 'json') {
          writeJson(ctx.io, { tokens: tokens.map((t) => ({ ...tokenJson(t), state: stateOf(t, now) })) });
          return Exit.SUCCESS;
        }
        if (tokens.length === 0) {
          note(ctx, 'No tokens yet (fleetctl token create makes one).');
          return Exit.SUCCESS;
        }
        const rows = [
          ['ID', 'NAME', 'ROLE', 'SCOPE', 'STATE', 'EXPIRES', 'CREATED BY'],
          ...tokens.map((t) => [t.id, t.name, t.role, t.scopes.join(',') || '*', stateOf(t, now), t.expiresAt === null ? 'never' : formatLocalTime(t.expiresAt).slice(0, 16), t.createdBy]),
        ];
        const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...r[i]!].length)));
        for (const row of rows) line(ctx, row.map((cell, i) => (i === row.length - 1 ? cell : ljust(cell, widths[i]!))).join('  '));
        return Exit.SUCCESS;
      }
      case 'revoke': {
        onlyFor('create', ['role', 'scope', 'ttl', 'name']);
        if (rest.length !== 1) throw new UsageError('give the id of one token to revoke (fleetctl token list shows the ids)');
        const admin = await ctx.session.admin();
        const revoked = await admin.revokeToken(rest[0]!, ctx.signal);
        if (args.format === 'json') writeJson(ctx.io, { ...tokenJson(revoked), state: 'revoked' });
        else line(ctx, `Token ${revoked.name} (id ${revoked.id}) revoked`);
        return Exit.SUCCESS;
      }
      default:
        throw new UsageError(sub === undefined ? 'say what to do: token create, token list or token revoke' : `no token command ${JSON.stringify(sub)} (create, list, revoke)`);
    }
  },
};

function stateOf(t: TokenInfo, now: number): string {
  if (t.revokedAt !== null) return 'revoked';
  if (t.expiresAt !== null && t.expiresAt <= now) return 'expired';
  return 'active';
}

function tokenJson(t: TokenInfo): object {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    scopes: t.scopes,
    created_by: t.createdBy,
    created_at_ms: t.createdAt,
    expires_at_ms: t.expiresAt,
    revoked_at_ms: t.revokedAt,
  };
}
