import { isFleetError } from '../../common/errors.js';
import { Exit } from '../exit-codes.js';
import { pyStrip } from '../io.js';
import { say, usageError, type Command } from './command.js';
import { confirmed } from './shutdown.js';

export const reload: Command = {
  name: 'reload',
  help: 'reload \t\tRestart the remote supervisord.\n',
  async run(ctx, arg) {
    if (pyStrip(arg) !== '') {
      usageError(ctx, 'Error: reload accepts no arguments', this.help);
      return Exit.GENERIC;
    }
    if (!(await confirmed(ctx, 'Really restart the remote supervisord process y/N? '))) return Exit.SUCCESS;
    try {
      await (await ctx.session.client()).shutdown(true, ctx.signal);
    } catch (err) {
      if (!isFleetError(err, 'SHUTDOWN_STATE')) throw err;
      say(ctx, 'ERROR: already shutting down');
      return Exit.GENERIC;
    }
    say(ctx, 'Restarted supervisord');
    return Exit.SUCCESS;
  },
};
