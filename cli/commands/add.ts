import { isFleetError } from '../../common/errors.js';
import { Exit } from '../exit-codes.js';
import { pySplit } from '../io.js';
import { say, type Command } from './command.js';

export const add: Command = {
  name: 'add',
  help: 'add <name> [...]\tActivates any updates in config for process/group\n',
  async run(ctx, arg) {
    let code: number = Exit.SUCCESS;
    const names = pySplit(arg);
    if (names.length === 0) return code;
    const client = await ctx.session.client();
    for (const name of names) {
      try {
        await client.addGroup(name, ctx.signal);
        say(ctx, `${name}: added process group`);
      } catch (err) {
        if (isFleetError(err, 'SHUTDOWN_STATE')) {
          say(ctx, 'ERROR: shutting down');
          code = Exit.GENERIC;
        } else if (isFleetError(err, 'ALREADY_ADDED')) {
          say(ctx, 'ERROR: process group already active');
        } else if (isFleetError(err, 'BAD_NAME')) {
          say(ctx, `ERROR: no such process/group: ${name}`);
          code = Exit.GENERIC;
        } else {
          throw err;
        }
      }
    }
    return code;
  },
};
