import type { AuditRow } from '../../client/admin-client.js';
import { Exit } from '../../exit-codes.js';
import { pyInt } from '../../io.js';
import { writeJson } from '../../json.js';
import { ljust } from '../../commands/status.js';
import { formatLocalTime } from '../times.js';
import { timeFlag, UsageError, type ClusterCommand } from './command.js';

export const audit: ClusterCommand = {
  name: 'audit',
  synopsis: 'audit [--since DUR] [--who NAME]',
  summary: 'who did what, when, from where (admin)',
  help: `audit [--since DUR|TIME] [--who NAME|ID] [--limit N] [-o json]
The controller's audit trail, oldest first: every mutating call (start, stop, restart, signal,
reread, update, token create and revoke, host revocations, agents joining, the bootstrap), with
its local time, who (the token's name and id), from where, what on which addresses, the hosts
it reached and how it went. Refused calls are there too. Needs an admin token.

  --since DUR|TIME     from this long ago (90s, 10m, 2h, 1d) or this local time (2026-11-22T10:30)
  --who NAME|ID        only what this token did (its name, or its id)
  --limit N            the newest N rows (default: the controller's, 1000)
  -o json              {"entries": [{"id", "time_ms", "who", "token_id", "origin", "action",
                        "addresses", "hosts", "result"}]}

Examples:
  fleetctl audit --since 1h
  fleetctl audit --who web-oncall --since 2026-11-22
  fleetctl audit -o json | jq -r '.entries[] | select(.result != "ok") | "\\(.who) \\(.action) \\(.result)"'

Exit codes: 0; 2 bad arguments; 4 not an admin token, or no controller.
`,
  flags: [{ long: 'since', value: true }, { long: 'who', value: true }, { long: 'limit', value: true }],
  async run(ctx, args) {
    if (args.positional.length > 0) throw new UsageError('audit takes no arguments; narrow it with --since, --who and --limit');
    const since = timeFlag(args.flags.get('since'), 'since', ctx.now());
    const who = args.flags.get('who');
    if (who === '') throw new UsageError('--who: give a token name or id');
    const limitText = args.flags.get('limit');
    const limit = limitText === undefined ? 0 : pyInt(String(limitText));
    if (limit === null || limit < 0) throw new UsageError(`--limit: not a positive number: ${JSON.stringify(limitText)}`);
    const admin = await ctx.session.admin();
    const rows = await admin.listAudit({ since, who: typeof who === 'string' ? who : '', limit }, ctx.signal);
    if (args.format === 'json') {
      writeJson(ctx.io, { entries: rows.map(auditJson) });
      return Exit.SUCCESS;
    }
    if (rows.length > 0) ctx.io.out(`${auditLines(rows).join('\n')}\n`);
    return Exit.SUCCESS;
  },
};

/** `2026-11-22 07:12:03.123  alice (3f2a9c0d1e4b5a69)  127.0.0.1:5555  start web:* -> web-1,web-2: ok`, columns padded. */
export function auditLines(rows: readonly AuditRow[]): string[] {
  const parts = rows.map((r) => ({
    time: formatLocalTime(r.time),
    who: r.tokenId ? `${r.who} (${r.tokenId})` : r.who,
    origin: r.origin || '-',
    what: `${[r.action, ...r.addresses].join(' ')}${r.hosts.length ? ` -> ${r.hosts.join(',')}` : ''}: ${r.result}`,
  }));
  const whoWidth = Math.max(...parts.map((p) => [...p.who].length));
  const originWidth = Math.max(...parts.map((p) => [...p.origin].length));
  return parts.map((p) => `${p.time}  ${ljust(p.who, whoWidth)}  ${ljust(p.origin, originWidth)}  ${p.what}`);
}

function auditJson(r: AuditRow): object {
  return { id: r.id, time_ms: r.time, who: r.who, token_id: r.tokenId, origin: r.origin, action: r.action, addresses: r.addresses, hosts: r.hosts, result: r.result };
}
