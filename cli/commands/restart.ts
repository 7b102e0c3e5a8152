import { Exit } from '../exit-codes.js';
import { pySplit } from '../io.js';
import { usageError, type Command } from './command.js';

export const restart: Command = {
  name: 'restart',
  help:
    'restart <name>\t\tRestart a process\n' +
    'restart <gname>:*\tRestart all processes in a group\n' +
    'restart <name> <name>\tRestart multiple processes or groups\n' +
    'restart all\t\tRestart all processes\n' +
    'Note: restart does not reread config files. For that, see reread and update.\n',
  async run(ctx, arg) {
    const failed = await ctx.session.upcheck(ctx.io, ctx.signal);
    if (failed !== null) return failed;
    if (pySplit(arg).length === 0) {
      usageError(ctx, 'Error: restart requires a process name', this.help);
      return Exit.GENERIC;
    }
    // supervisorctl runs do_stop then do_start; a later non-zero status replaces an earlier one.
    const stopped = await ctx.run('stop', arg);
    const started = await ctx.run('start', arg);
    return started !== 0 ? started : stopped;
  },
};
