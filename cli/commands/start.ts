import type { ProcessResult } from '../../common/process-info.js';
import { Exit } from '../exit-codes.js';
import { UnknownResultCode } from '../failures.js';
import { pySplit } from '../io.js';
import { makeNamespec } from '../names.js';
import { usageError, type Command } from './command.js';
import { eachProcess } from './each-process.js';

/** supervisorctl's words for start's faults (cluster mode's start and restart use them too). */
export const START_ERRORS: Partial<Record<ProcessResult['code'], string>> = {
  BAD_NAME: 'no such process',
  NO_FILE: 'no such file',
  NOT_EXECUTABLE: 'file is not executable',
  ALREADY_STARTED: 'already started',
  SPAWN_ERROR: 'spawn error',
  ABNORMAL_TERMINATION: 'abnormal termination',
};

/** supervisorctl's _startresult. */
export function startResultLine(result: ProcessResult): string {
  const name = makeNamespec(result.group, result.name);
  if (result.code === 'SUCCESS') return `${name}: started`;
  const text = START_ERRORS[result.code];
  if (text === undefined) throw new UnknownResultCode(result.code, name);
  return `${name}: ERROR (${text})`;
}

export const start: Command = {
  name: 'start',
  help:
    'start <name>\t\tStart a process\n' +
    'start <gname>:*\t\tStart all processes in a group\n' +
    'start <name> <name>\tStart multiple processes or groups\n' +
    'start all\t\tStart all processes\n',
  async run(ctx, arg) {
    const failed = await ctx.session.upcheck(ctx.io, ctx.signal);
    if (failed !== null) return failed;
    const names = pySplit(arg);
    if (names.length === 0) {
      usageError(ctx, 'Error: start requires a process name', this.help);
      return Exit.INVALID_ARGS;
    }
    const client = await ctx.session.client();
    return eachProcess(ctx, names, {
      call: (target) => client.start(target, true, ctx.signal),
      render: startResultLine,
      ignored: 'ALREADY_STARTED',
      noSuchGroupExit: Exit.INVALID_ARGS,
    });
  },
};
