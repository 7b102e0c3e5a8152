import type { ProcessResult } from '../../common/process-info.js';
import { Exit } from '../exit-codes.js';
import { UnknownResultCode } from '../failures.js';
import { pySplit } from '../io.js';
import { makeNamespec } from '../names.js';
import { usageError, type Command } from './command.js';
import { eachProcess } from './each-process.js';

/** supervisorctl's words for stop's and signal's faults (FAILED prints the fault text itself). */
export const SIGNAL_ERRORS: Partial<Record<ProcessResult['code'], string>> = {
  BAD_NAME: 'no such process',
  BAD_SIGNAL: 'bad signal name',
  NOT_RUNNING: 'not running',
};

/** supervisorctl's _signalresult: `x: signalled` (or `x: stopped` for stop), an error, or the fault text for FAILED. */
export function signalResultLine(result: ProcessResult, success = 'signalled'): string {
  const name = makeNamespec(result.group, result.name);
  if (result.code === 'SUCCESS') return `${name}: ${success}`;
  if (result.code === 'FAILED') return result.description;
  const text = SIGNAL_ERRORS[result.code];
  if (text === undefined) throw new UnknownResultCode(result.code, name);
  return `${name}: ERROR (${text})`;
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
