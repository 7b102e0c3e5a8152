import { Exit, StatusExit } from '../../exit-codes.js';
import { writeJson } from '../../json.js';
import { hostsJson, hostsTable } from '../hosts-view.js';
import { formatLabels } from '../scope.js';
import { note, UsageError, type ClusterCommand } from './command.js';

const GLOB = /[*?[]/;

export const hosts: ClusterCommand = {
  name: 'hosts',
  synopsis: 'hosts [HOST...] [--hosts K=V]',
  summary: 'the hosts: liveness, labels, version, counts',
  help: `hosts [HOST...] [--hosts K=V[,...]] [-o json]
The hosts the controller knows: NAME, STATE (connected, stale, disconnected), LABELS, agent
VERSION, LAST SEEN, and how many processes are in each state. Without arguments: every host.
HOST may be a glob (web-*); --hosts keeps the hosts with these labels; --host HOST is one host.

Examples:
  fleetctl hosts
  fleetctl hosts 'web-*'
  fleetctl hosts --hosts zone=eu-1 -o json | jq -r '.hosts[] | select(.state != "connected") | .name'

Exit codes: 0; 4 when a host named without a glob is unknown, or no controller.
`,
  flags: [],
  async run(ctx, args) {
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
