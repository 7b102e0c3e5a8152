import { Exit, StatusExit } from '../../exit-codes.js';
import { writeJson } from '../../json.js';
import { hostsJson, hostsTable } from '../hosts-view.js';
import { formatLabels } from '../scope.js';
import { line, note, UsageError, type ClusterCommand, type ClusterContext, type CommandArgs } from './command.js';

const GLOB = /[*?[]/;

export const hosts: ClusterCommand = {
  name: 'hosts',
  synopsis: 'hosts [HOST...] [--hosts K=V] | hosts revoke HOST',
  summary: 'the hosts: liveness, labels, version, counts; revoke one',
  help: `hosts [HOST...] [--hosts K=V[,...]] [-o json]
hosts revoke HOST [-o json]
The hosts the controller knows: NAME, STATE (connected, stale, disconnected), LABELS, agent
VERSION, LAST SEEN, and how many processes are in each state. Without arguments: every host.
HOST may be a glob (web-*); --hosts keeps the hosts with these labels; --host HOST is one host.

hosts revoke HOST cuts one host off (an admin token; secure mode): its stream to the controller
ends at once and every certificate issued to it so far is refused from then on, so it can
neither report nor receive commands. It comes back only by joining again with a new join token
(fleet-agent join). Its processes keep running: the agent stays in charge of them.
  -o json   {"host", "revoked_certificates", "disconnected"}

Examples:
  fleetctl hosts
  fleetctl hosts 'web-*'
  fleetctl hosts --hosts zone=eu-1 -o json | jq -r '.hosts[] | select(.state != "connected") | .name'
  fleetctl hosts revoke web-7

Exit codes: 0; 4 when a host named without a glob is unknown, or no controller (revoke: not an admin token).
`,
  flags: [],
  async run(ctx, args) {
    if (args.positional[0] === 'revoke') return revoke(ctx, args);
    const globs = [...args.positional];
    if (args.scopeFlags.host !== undefined) globs.push(args.scopeFlags.host);
    if (globs.some((g) => g === '' || g.includes('/'))) throw new UsageError('give host names or globs (web-1, web-*), not addresses');
    const client = await ctx.session.client();
    const found = await client.listHosts({ hosts: globs, labels: args.scopeFlags.labels }, ctx.signal);
    let code: number = Exit.SUCCESS;
    for (const name of globs.filter((g) => !GLOB.test(g))) {
      if (found.some((h) => h.name === name)) continue;
      note(ctx, `${name}: ERROR (no such host: ${name})`);
      code = StatusExit.UNKNOWN;
    }
    if (args.format === 'json') {
      writeJson(ctx.io, hostsJson(found));
      return code;
    }
    if (found.length === 0) {
      const labels = args.scopeFlags.labels ? ` with ${formatLabels(args.scopeFlags.labels)}` : '';
      if (code === Exit.SUCCESS) note(ctx, globs.length > 0 || labels ? `No hosts match${labels}.` : `No host has connected to the controller at ${ctx.session.address} yet.`);
      return code;
    }
    ctx.io.out(`${hostsTable(found, ctx.now()).join('\n')}\n`);
    return code;
  },
};

/** `hosts revoke HOST`. */
async function revoke(ctx: ClusterContext, args: CommandArgs): Promise<number> {
  const names = args.positional.slice(1);
  if (names.length !== 1 || names[0] === '' || GLOB.test(names[0]!) || names[0]!.includes('/')) {
    throw new UsageError('hosts revoke takes one host name, no glob: fleetctl hosts revoke web-7');
  }
  const host = names[0]!;
  const client = await ctx.session.client();
  const revoked = await client.revokeHost(host, ctx.signal);
  if (args.format === 'json') {
    writeJson(ctx.io, { host, revoked_certificates: revoked.revokedCertificates, disconnected: revoked.disconnected });
    return Exit.SUCCESS;
  }
  const certificates = `${revoked.revokedCertificates} certificate${revoked.revokedCertificates === 1 ? '' : 's'} revoked`;
  line(ctx, `${host}: revoked (${certificates}; ${revoked.disconnected ? 'its stream was ended' : 'it was not connected'})`);
  return Exit.SUCCESS;
}
