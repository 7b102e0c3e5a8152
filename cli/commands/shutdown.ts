import { isFleetError } from '../../common/errors.js';
import { Exit } from '../exit-codes.js';
import { pyStrip } from '../io.js';
import { say, usageError, type Command, type CommandContext } from './command.js';

/** supervisorctl asks before shutdown and reload only with -i (and in the shell). */
export async function confirmed(ctx: CommandContext, question: string): Promise<boolean> {
  if (!ctx.session.interactive) return true;
  const answer = await ctx.readLine(question);
  return answer !== null && answer.toLowerCase().startsWith('y');
}

export const shutdown: Command = {
  name: 'shutdown',
  help: 'shutdown \tShut the remote supervisord down.\n',
  async run(ctx, arg) {
    if (pyStrip(arg) !== '') {
      usageError(ctx, 'Error: shutdown accepts no arguments', this.help);
      return Exit.GENERIC;
    }
    if (!(await confirmed(ctx, 'Really shut the remote supervisord process down y/N? '))) return Exit.SUCCESS;
    try {
      await (await ctx.session.client()).shutdown(false, ctx.signal);
    } catch (err) {
      if (isFleetError(err, 'SHUTDOWN_STATE')) {
        say(ctx, 'ERROR: already shutting down');
        return Exit.SUCCESS;
      }
      if (isFleetError(err, 'HOST_UNREACHABLE')) {
        say(ctx, `ERROR: ${ctx.session.serverurl} ${ctx.session.unreachable(err).text} (already shut down?)`);
      } else {
        throw err;
      }
      return Exit.GENERIC;
    }
    say(ctx, 'Shut down');
    return Exit.SUCCESS;
  },
};
