import type { LogChannel } from '../../client/controller-client.js';
import { Exit } from '../../exit-codes.js';
import { exitForHostError, hostErrorLine } from '../host-errors.js';
import { LogLineSplitter, logLineJson, prefixedLines, type LogLine } from '../log-lines.js';
import { checkAddresses, note, timeFlag, type ClusterCommand } from './command.js';

export const logs: ClusterCommand = {
  name: 'logs',
  synopsis: 'logs ADDR... [-f] [--since DUR]',
  summary: 'output of processes across hosts, merged',
  help: `logs [ADDR...] [-f] [--since DUR|TIME] [--stderr] [-A|--host HOST|--hosts K=V] [-o json]
The output of the processes, merged across hosts in capture-time order, each line prefixed with
where it came from: [host/group:process] line. Without -f: what the agents still have (since
--since, else the last bytes of each log). With -f: then new output as it comes, until Ctrl-C.
Without an address: every process in scope.

  -f, --follow         keep printing new output until Ctrl-C
  --since DUR|TIME     from this long ago (90s, 10m, 2h, 1d) or this local time (2026-11-22T10:30, 10:30)
  --stderr             the processes' stderr instead of stdout (both with --stdout --stderr)
  -o json              one JSON object per line: {"time_ms", "host", "address", "channel", "line"}

Examples:
  fleetctl logs -A -f 'web:*'
  fleetctl logs web-1/api web-2/api --since 10m
  fleetctl logs --hosts role=db --stderr --since 1h | grep -i error

Exit codes: 0; 4 when a host is down (its error is on stderr, the others' output still comes) or no controller.
`,
  flags: [{ long: 'follow', short: 'f' }, { long: 'since', value: true }, { long: 'stderr' }, { long: 'stdout' }],
  interruptible: true,
  async run(ctx, args) {
    const addresses = checkAddresses(args.positional);
    const since = timeFlag(args.flags.get('since'), 'since', ctx.now());
    const channels: LogChannel[] = [];
    if (args.flags.get('stdout') === true) channels.push('stdout');
    if (args.flags.get('stderr') === true) channels.push('stderr');
    const follow = args.flags.get('follow') === true;
    const client = await ctx.session.client();
    const outcomes = client.logs({ scope: args.scope, addresses, channels, since, follow }, ctx.signal);
    const splitter = new LogLineSplitter();
    const write = (lines: LogLine[]): void => {
      if (lines.length === 0) return;
      if (args.format === 'json') ctx.io.out(lines.map((l) => `${JSON.stringify(logLineJson(l))}\n`).join(''));
      else ctx.io.out(prefixedLines(lines, channels.length > 1));
    };
    let code: number = Exit.SUCCESS;
    try {
      for await (const outcome of outcomes) {
        if (outcome.kind === 'chunk') {
          write(splitter.push(outcome.chunk));
        } else {
          note(ctx, hostErrorLine(outcome.error));
          code = exitForHostError(code, outcome.error);
        }
      }
    } finally {
      write(splitter.flush());
    }
    return code;
  },
};
