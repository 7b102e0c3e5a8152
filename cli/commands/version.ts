import { Exit } from '../exit-codes.js';
import { pyStrip } from '../io.js';
import { say, usageError, type Command } from './command.js';

export const version: Command = {
  name: 'version',
  help: 'version\t\t\tShow the version of the remote supervisord process\n',
  async run(ctx, arg) {
    if (pyStrip(arg) !== '') {
      usageError(ctx, 'Error: version accepts no arguments', this.help);
      return Exit.GENERIC;
    }
    const failed = await ctx.session.upcheck(ctx.io, ctx.signal);
    if (failed !== null) return failed;
    say(ctx, (await (await ctx.session.client()).getState(ctx.signal)).version);
    return Exit.SUCCESS;
  },
};
