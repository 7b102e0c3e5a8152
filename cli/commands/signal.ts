import { Exit } from '../exit-codes.js';
import { pySplit } from '../io.js';
import { usageError, type Command } from './command.js';
import { eachProcess } from './each-process.js';
import { signalResultLine } from './stop.js';

export const signal: Command = {
  name: 'signal',
  help:
    'signal <signal name> <name>\t\tSignal a process\n' +
    'signal <signal name> <gname>:*\t\tSignal all processes in a group\n' +
    'signal <signal name> <name> <name>\tSignal multiple processes or groups\n' +
    'signal <signal name> all\t\tSignal all processes\n',
  async run(ctx, arg) {
    const failed = await ctx.session.upcheck(ctx.io, ctx.signal);
    if (failed !== null) return failed;
    const [sig, ...names] = pySplit(arg);
    if (sig === undefined || names.length === 0) {
      usageError(ctx, 'Error: signal requires a signal name and a process name', this.help);
      return Exit.GENERIC;
    }
    const client = await ctx.session.client();
    return eachProcess(ctx, names, {
      call: (target) => client.signal(target, sig, ctx.signal),
      render: (r) => signalResultLine(r),
      noSuchGroupExit: Exit.GENERIC,
    });
  },
};
