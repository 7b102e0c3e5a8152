import { isFleetError } from '../../common/errors.js';
import { Exit } from '../exit-codes.js';
import { pySplit } from '../io.js';
import { say, type Command } from './command.js';

export const remove: Command = {
  name: 'remove',
  help: 'remove <name> [...]\tRemoves process/group from active config\n',
  async run(ctx, arg) {
    let code: number = Exit.SUCCESS;
    const names = pySplit(arg);
    if (names.length === 0) return code;
    const client = await ctx.session.client();
    for (const name of names) {
      try {
        await client.removeGroup(name, ctx.signal);
        say(ctx, `${name}: removed process group`);
      } catch (err) {
        if (isFleetError(err, 'STILL_RUNNING')) say(ctx, `ERROR: process/group still running: ${name}`);
        else if (isFleetError(err, 'BAD_NAME')) say(ctx, `ERROR: no such process/group: ${name}`);
        else throw err;
        code = Exit.GENERIC;
      }
    }
    return code;
  },
};
