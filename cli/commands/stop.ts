import type { ProcessResult } from '../../common/process-info.js';
import { Exit } from '../exit-codes.js';
import { UnknownResultCode } from '../failures.js';
import { pySplit } from '../io.js';
import { makeNamespec } from '../names.js';
import { usageError, type Command } from './command.js';
import { eachProcess } from './each-process.js';

/** supervisorctl's _signalresult: `x: signalled` (or `x: stopped` for stop), an error, or the fault text for FAILED. */
export function signalResultLine(result: ProcessResult, success = 'signalled'): string {
  const name = makeNamespec(result.group, result.name);
  switch (result.code) {
    case 'SUCCESS':
      return `${name}: ${success}`;
    case 'BAD_NAME':
      return `${name}: ERROR (no such process)`;
    case 'BAD_SIGNAL':
      return `${name}: ERROR (bad signal name)`;
    case 'NOT_RUNNING':
      return `${name}: ERROR (not running)`;
    case 'FAILED':
      return result.description;
    default:
      throw new UnknownResultCode(result.code, name);
  }
}

export const stop: Command = {
  name: 'stop',
  help:
    'stop <name>\t\tStop a process\n' +
    'stop <gname>:*\t\tStop all processes in a group\n' +
    'stop <name> <name>\tStop multiple processes or groups\n' +
    'stop all\t\tStop all processes\n',
  async run(ctx, arg) {
    const failed = await ctx.session.upcheck(ctx.io, ctx.signal);
    if (failed !== null) return failed;
    const names = pySplit(arg);
    if (names.length === 0) {
      usageError(ctx, 'Error: stop requires a process name', this.help);
      return Exit.GENERIC;
    }
    const client = await ctx.session.client();
    return eachProcess(ctx, names, {
      call: (target) => client.stop(target, true, ctx.signal),
      render: (r) => signalResultLine(r, 'stopped'),
      ignored: 'NOT_RUNNING',
      noSuchGroupExit: Exit.GENERIC,
    });
  },
};
