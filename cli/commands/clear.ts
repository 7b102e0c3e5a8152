import type { ProcessResult } from '../../common/process-info.js';
import { Exit } from '../exit-codes.js';
import { UnknownResultCode } from '../failures.js';
import { pySplit } from '../io.js';
import { makeNamespec } from '../names.js';
import { usageError, type Command } from './command.js';
import { eachProcess } from './each-process.js';

/** supervisorctl's _clearresult. */
export function clearResultLine(result: ProcessResult): string {
  const name = makeNamespec(result.group, result.name);
  if (result.code === 'SUCCESS') return `${name}: cleared`;
  if (result.code === 'BAD_NAME') return `${name}: ERROR (no such process)`;
  if (result.code === 'FAILED') return `${name}: ERROR (failed)`;
  throw new UnknownResultCode(result.code, name);
}

export const clear: Command = {
  name: 'clear',
  help:
    "clear <name>\t\tClear a process' log files.\n" +
    "clear <name> <name>\tClear multiple process' log files\n" +
    "clear all\t\tClear all process' log files\n",
  async run(ctx, arg) {
    const failed = await ctx.session.upcheck(ctx.io, ctx.signal);
    if (failed !== null) return failed;
    const names = pySplit(arg);
    if (names.length === 0) {
      usageError(ctx, 'Error: clear requires a process name', this.help);
      return Exit.GENERIC;
    }
    const client = await ctx.session.client();
    return eachProcess(ctx, names, {
      call: (target) => client.clearLogs(target, ctx.signal),
      render: clearResultLine,
      noSuchGroupExit: Exit.GENERIC,
      // supervisorctl sends `g:*` to clearProcessLogs as a process name; supervisord answers
      // BAD_NAME and supervisorctl prints `g:None: ERROR (no such process)`.
      groupAsProcess: true,
    });
  },
};
