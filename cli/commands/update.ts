import { isFleetError } from '../../common/errors.js';
import type { RereadResult } from '../client/agent-client.js';
import { Exit } from '../exit-codes.js';
import { pySplit } from '../io.js';
import { say, type Command } from './command.js';

export const update: Command = {
  name: 'update',
  help:
    'update\t\t\tReload config and add/remove as necessary, and will restart affected programs\n' +
    'update all\t\tReload config and add/remove as necessary, and will restart affected programs\n' +
    'update <gname> [...]\tUpdate specific groups\n',
  async run(ctx, arg) {
    const client = await ctx.session.client();
    let changes: RereadResult;
    try {
      changes = await client.reread(ctx.signal);
    } catch (err) {
      if (!isFleetError(err, 'SHUTDOWN_STATE')) throw err;
      say(ctx, 'ERROR: already shutting down');
      return Exit.GENERIC;
    }
    let code: number = Exit.SUCCESS;
    let only = new Set(pySplit(arg));
    if (only.has('all')) only = new Set();
    if (only.size > 0) {
      const groups = new Set((await client.listProcesses(ctx.signal)).map((p) => p.group));
      for (const name of changes.added) groups.add(name);
      for (const name of only) {
        if (!groups.has(name)) {
          say(ctx, `ERROR: no such group: ${name}`);
          code = Exit.GENERIC;
        }
      }
    }
    const wanted = (group: string): boolean => only.size === 0 || only.has(group);
    for (const group of changes.removed.filter(wanted)) {
      const results = await client.stop({ group }, true, ctx.signal);
      say(ctx, `${group}: stopped`);
      if (results.some((r) => r.code === 'FAILED')) {
        say(ctx, `${group}: has problems; not removing`);
        code = Exit.GENERIC;
        continue;
      }
      await client.removeGroup(group, ctx.signal);
      say(ctx, `${group}: removed process group`);
    }
    for (const group of changes.changed.filter(wanted)) {
      await client.stop({ group }, true, ctx.signal);
      say(ctx, `${group}: stopped`);
      await client.removeGroup(group, ctx.signal);
      await client.addGroup(group, ctx.signal);
      say(ctx, `${group}: updated process group`);
    }
    for (const group of changes.added.filter(wanted)) {
      await client.addGroup(group, ctx.signal);
      say(ctx, `${group}: added process group`);
    }
    return code;
  },
};
