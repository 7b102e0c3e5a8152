import { Exit } from '../exit-codes.js';
import { say, type Command } from './command.js';

/** quit, exit and EOF (Ctrl-D) print an empty line and end the shell. */
function leaving(name: string, help: string): Command {
  return {
    name,
    help,
    endsShell: true,
    async run(ctx) {
      say(ctx, '');
      return Exit.SUCCESS;
    },
  };
}

export const quit = leaving('quit', 'quit\tExit the supervisor shell.\n');
export const exit = leaving('exit', 'exit\tExit the supervisor shell.\n');
/** supervisorctl's do_EOF: what Ctrl-D runs; it can be typed too, and has no help. */
export const eof = leaving('EOF', '');
