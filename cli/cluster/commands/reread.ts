import { Exit } from '../../exit-codes.js';
import { writeJson } from '../../json.js';
import { compareCodePoints } from '../../../common/text-order.js';
import { changeLines } from '../../commands/reread.js';
import type { HostError, RereadResult } from '../../client/controller-client.js';
import { exitForHostError, hostErrorJson, hostErrorLine } from '../host-errors.js';
import { line, UsageError, type ClusterCommand } from './command.js';

export const reread: ClusterCommand = {
  name: 'reread',
  synopsis: 'reread',
  summary: 'reread the config on the hosts in scope',
  help: `reread [-A|--host HOST|--hosts K=V] [-o json]
Makes the agents on the hosts in scope read their configuration again and says what changed,
without acting on it (update does), in supervisorctl's lines with the host in front:
  web-1: api: changed
  web-2: No config updates to processes

Examples:
  fleetctl reread -A
  fleetctl reread --hosts role=web && fleetctl update --hosts role=web

Exit codes: 0; 1 when a host cannot reread (its error says why); 4 a host that is down, or no controller.
`,
  flags: [],
  async run(ctx, args) {
    if (args.positional.length > 0) throw new UsageError('reread accepts no arguments; choose the hosts with -A, --host or --hosts');
    const client = await ctx.session.client();
    let code: number = Exit.SUCCESS;
    const hosts: Array<{ host: string } & RereadResult> = [];
    const errors: HostError[] = [];
    for await (const outcome of client.reread({ scope: args.scope, hosts: [] }, ctx.signal)) {
      if (outcome.kind === 'host-error') {
        code = exitForHostError(code, outcome.error);
        if (args.format === 'json') errors.push(outcome.error);
        else line(ctx, hostErrorLine(outcome.error));
        continue;
      }
      if (args.format === 'json') {
        const sorted = (names: string[]): string[] => [...names].sort(compareCodePoints);
        hosts.push({ host: outcome.host, added: sorted(outcome.value.added), changed: sorted(outcome.value.changed), removed: sorted(outcome.value.removed) });
      } else {
        for (const l of changeLines(outcome.value)) line(ctx, `${outcome.host}: ${l}`);
      }
    }
    if (args.format === 'json') writeJson(ctx.io, { hosts, errors: errors.map(hostErrorJson) });
    return code;
  },
};
