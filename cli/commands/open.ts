import { Exit } from '../exit-codes.js';
import { pyStrip } from '../io.js';
import { say, type Command } from './command.js';

export const open: Command = {
  name: 'open',
  help: 'open <url>\tConnect to a remote supervisord process.\n\t\t(for UNIX domain socket, use unix:///socket/path)\n',
  async run(ctx, arg) {
    const url = pyStrip(arg);
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/u.exec(url)?.[1]?.toLowerCase();
    if (scheme !== 'unix' && scheme !== 'http') {
      say(ctx, 'ERROR: url must be http:// or unix://');
      return Exit.GENERIC;
    }
    ctx.session.reconnect({ serverurl: url });
    // supervisorctl shows the new server's status but keeps the exit status it had before.
    await ctx.run('status', '');
    return Exit.SUCCESS;
  },
};
