import { Exit } from '../../exit-codes.js';
import { entryJson, eventLine } from '../history-lines.js';
import { checkAddresses, line, note, type ClusterCommand } from './command.js';

export const events: ClusterCommand = {
  name: 'events',
  synopsis: 'events -f [ADDR...]',
  summary: 'the live stream of transitions and host changes',
  help: `events [-f] [ADDR...] [-A|--host HOST|--hosts K=V] [-o json]
The fleet's live stream, as history prints it, until Ctrl-C: state transitions, exits, gaps,
operator actions, and hosts going connected, stale or disconnected. Without an address:
everything in scope (-A: the whole fleet). -f is accepted for habit; events always follows.

  -o json              one JSON object per line (the shape of history -o json's entries)

Examples:
  fleetctl events -f -A
  fleetctl events -f 'web-*/api:*'
  fleetctl events -A -o json | jq -c 'select(.kind == "exit" and .expected == false)'

Exit codes: 0 after Ctrl-C; 1 when the controller ends the stream; 4 no controller.
`,
  flags: [{ long: 'follow', short: 'f' }],
  interruptible: true,
  async run(ctx, args) {
    const addresses = checkAddresses(args.positional);
    const client = await ctx.session.client();
    for await (const entry of client.watchEvents({ scope: args.scope, addresses }, ctx.signal)) {
      line(ctx, args.format === 'json' ? JSON.stringify(entryJson(entry)) : eventLine(entry));
    }
    if (ctx.signal.aborted) return Exit.SUCCESS;
    note(ctx, `fleetctl: the controller at ${ctx.session.address} ended the event stream`);
    return Exit.GENERIC;
  },
};
