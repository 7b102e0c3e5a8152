import { Exit } from '../../exit-codes.js';
import { writeJson } from '../../json.js';
import { pyInt } from '../../io.js';
import { entryJson, historyLines } from '../history-lines.js';
import { checkAddresses, timeFlag, UsageError, type ClusterCommand } from './command.js';

export const history: ClusterCommand = {
  name: 'history',
  synopsis: 'history [ADDR...] [--since DUR]',
  summary: 'stored transitions, exits, gaps and actions',
  help: `history [ADDR...] [--since DUR|TIME] [--until DUR|TIME] [--limit N] [-A|--host HOST|--hosts K=V] [-o json]
What happened to the processes, from the controller's store, oldest first: one line per state
transition (RUNNING -> EXITED), exit (exited with status 1, killed by SIGKILL), gap in a host's
stream (gap: seqs 5-9 dropped) and operator action (action start web:* by anonymous: ok), each
with its local time and address. Without an address: everything in scope.

  --since DUR|TIME     from this long ago (90s, 10m, 2h, 1d) or this local time (2026-11-22, 2026-11-22T10:30, 10:30)
  --until DUR|TIME     up to then
  --limit N            the newest N entries (default: the controller's, 1000)
  -o json              one JSON document: {"entries": [{"kind", "time_ms", "host", "address", ...}]}

Examples:
  fleetctl history web-1/api --since 1h
  fleetctl history -A --since 2026-11-22T09:00 --until 2026-11-22T10:00
  fleetctl history -A --limit 50 -o json | jq '.entries[] | select(.kind == "exit")'

Exit codes: 0; 2 bad arguments; 4 no controller.
`,
  flags: [{ long: 'since', value: true }, { long: 'until', value: true }, { long: 'limit', value: true }],
  async run(ctx, args) {
    const addresses = checkAddresses(args.positional);
    const now = ctx.now();
    const since = timeFlag(args.flags.get('since'), 'since', now);
    const until = timeFlag(args.flags.get('until'), 'until', now);
    if (since && until && since > until) throw new UsageError('--since is after --until');
    const limitText = args.flags.get('limit');
    const limit = limitText === undefined ? 0 : pyInt(String(limitText));
    if (limit === null || limit < 0) throw new UsageError(`--limit: not a positive number: ${JSON.stringify(limitText)}`);
    const client = await ctx.session.client();
    const entries = await client.history({ scope: args.scope, addresses, since, until, limit }, ctx.signal);
    if (args.format === 'json') writeJson(ctx.io, { entries: entries.map(entryJson) });
    else if (entries.length > 0) ctx.io.out(`${historyLines(entries).join('\n')}\n`);
    return Exit.SUCCESS;
  },
};
