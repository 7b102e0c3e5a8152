import type { GroupUpdate } from '../../../common/group-update.js';
import type { HostError } from '../../client/controller-client.js';
import { updateLines } from '../../commands/update.js';
import { Exit } from '../../exit-codes.js';
import { writeJson } from '../../json.js';
import { makeNamespec } from '../../names.js';
import { exitForHostError, hostErrorJson, hostErrorLine } from '../host-errors.js';
import { line, type ClusterCommand } from './command.js';

export const update: ClusterCommand = {
  name: 'update',
  synopsis: 'update [GROUP...]',
  summary: 'apply config changes on the hosts in scope',
  help: `update [GROUP...|all] [-A|--host HOST|--hosts K=V] [-o json]
Rereads the configuration on the hosts in scope and applies it: removed groups stop and go,
added ones are added (and autostarted), changed ones restart only the processes whose config
changed. Without a group: every group. supervisorctl's lines with the host in front:
  web-1: api: stopped
  web-1: api: updated process group
  web-2: ERROR (host unreachable: ...)

Examples:
  fleetctl update -A
  fleetctl update --hosts role=web api

Exit codes: 0; 1 when a group could not be updated or a host cannot reread; 4 a host that is down, or no controller.
`,
  flags: [],
  async run(ctx, args) {
    const groups = args.positional.includes('all') ? [] : args.positional;
    const client = await ctx.session.client();
    let code: number = Exit.SUCCESS;
    const hosts: Array<{ host: string; updates: object[] }> = [];
    const errors: HostError[] = [];
    for await (const outcome of client.update({ scope: args.scope, hosts: [], groups }, ctx.signal)) {
      if (outcome.kind === 'host-error') {
        code = exitForHostError(code, outcome.error);
        if (args.format === 'json') errors.push(outcome.error);
        else line(ctx, hostErrorLine(outcome.error));
        continue;
      }
      for (const u of outcome.value) if (u.action === 'no-such-group' || u.code !== 'SUCCESS') code = Exit.GENERIC;
      if (args.format === 'json') hosts.push({ host: outcome.host, updates: outcome.value.map(updateJson) });
      else for (const u of outcome.value) for (const l of updateLines(u)) line(ctx, `${outcome.host}: ${l}`);
    }
    if (args.format === 'json') writeJson(ctx.io, { hosts, errors: errors.map(hostErrorJson) });
    return code;
  },
};

function updateJson(u: GroupUpdate): object {
  const names = (refs: GroupUpdate['added']): string[] => refs.map((r) => makeNamespec(r.group, r.name));
  return {
    group: u.group,
    action: u.action,
    result: u.code === 'SUCCESS' ? 'ok' : 'error',
    fault: u.code === 'SUCCESS' ? null : u.code,
    description: u.description,
    restarted: names(u.restarted),
    added: names(u.added),
    removed: names(u.removed),
  };
}
