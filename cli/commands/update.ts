import { isFleetError } from '../../common/errors.js';
import type { GroupUpdate } from '../client/agent-client.js';
import { Exit } from '../exit-codes.js';
import { faultRepr } from '../failures.js';
import { pySplit } from '../io.js';
import { say, type Command } from './command.js';

/**
 * supervisorctl's lines for one group (common/group-update.ts has the table). A changed group
 * still reads `g: stopped` / `g: updated process group`, although fleet-agent restarted only the
 * processes whose config changed (DESIGN.md, deliberate differences).
 */
export function updateLines(u: GroupUpdate): string[] {
  if (u.action === 'no-such-group') return [`ERROR: no such group: ${u.group}`];
  if (u.code !== 'SUCCESS' && u.code !== 'FAILED') {
    // supervisorctl stops at a fault it did not expect and prints its catch-all line.
    return [`error: <class 'xmlrpc.client.Fault'>, ${faultRepr({ code: u.code, faultString: u.description })}`];
  }
  switch (u.action) {
    case 'removed':
      return [`${u.group}: stopped`, u.code === 'SUCCESS' ? `${u.group}: removed process group` : `${u.group}: has problems; not removing`];
    case 'changed':
      return [`${u.group}: stopped`, `${u.group}: updated process group`];
    case 'added':
      return [`${u.group}: added process group`];
  }
}

export const update: Command = {
  name: 'update',
  help:
    'update\t\t\tReload config and add/remove as necessary, and will restart affected programs\n' +
    'update all\t\tReload config and add/remove as necessary, and will restart affected programs\n' +
    'update <gname> [...]\tUpdate specific groups\n',
  async run(ctx, arg) {
    let updates: GroupUpdate[];
    try {
      updates = await (await ctx.session.client()).updateGroups(pySplit(arg), ctx.signal);
    } catch (err) {
      if (!isFleetError(err, 'SHUTDOWN_STATE')) throw err;
      say(ctx, 'ERROR: already shutting down');
      return Exit.GENERIC;
    }
    let code: number = Exit.SUCCESS;
    for (const u of updates) {
      for (const line of updateLines(u)) say(ctx, line);
      if (u.action === 'no-such-group' || u.code !== 'SUCCESS') code = Exit.GENERIC;
    }
    return code;
  },
};
