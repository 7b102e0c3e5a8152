import { isFleetError } from '../../common/errors.js';
import { Exit } from '../exit-codes.js';
import { pyInt, pySplit } from '../io.js';
import { say, usageError, type Command } from './command.js';
import { follow } from './follow.js';
import { DEFAULT_TAIL_BYTES, READ_ERRORS } from './tail.js';

export type MaintailRequest = { kind: 'error'; message: string; withHelp: boolean } | { kind: 'tail'; bytes: number | 'follow' };

/** supervisorctl's do_maintail argument rules. */
export function parseMaintailArgs(arg: string): MaintailRequest {
  const args = pySplit(arg);
  if (args.length > 1) return { kind: 'error', message: 'Error: too many arguments', withHelp: true };
  if (args.length === 0) return { kind: 'tail', bytes: DEFAULT_TAIL_BYTES };
  const word = args[0]!;
  if (!word.startsWith('-')) return { kind: 'error', message: `Error: bad argument ${word}`, withHelp: false };
  if (word === '-f') return { kind: 'tail', bytes: 'follow' };
  const n = pyInt(word.slice(1));
  return n === null ? { kind: 'error', message: `Error: bad argument ${word}`, withHelp: false } : { kind: 'tail', bytes: n };
}

export const maintail: Command = {
  name: 'maintail',
  interruptible: true,
  help:
    'maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\n' +
    'maintail -100\tlast 100 *bytes* of supervisord main log file\n' +
    'maintail\tlast 1600 *bytes* of supervisor main log file\n\n',
  async run(ctx, arg) {
    const failed = await ctx.session.upcheck(ctx.io, ctx.signal);
    if (failed !== null) return failed;
    const request = parseMaintailArgs(arg);
    if (request.kind === 'error') {
      if (request.withHelp) usageError(ctx, request.message, this.help);
      else say(ctx, request.message);
      return Exit.GENERIC;
    }
    if (request.bytes === 'follow') {
      return follow(ctx, { process: null, channel: 'stdout', path: '/mainlogtail' }, true);
    }
    const client = await ctx.session.client();
    try {
      const { data } = await client.readLog(
        { process: null, channel: 'stdout', offset: -request.bytes, length: 0, tail: false },
        ctx.signal,
      );
      ctx.io.out(data);
      ctx.io.out('\n');
      return Exit.SUCCESS;
    } catch (err) {
      const text = isFleetError(err) ? READ_ERRORS[err.code] : undefined;
      if (text === undefined) throw err;
      say(ctx, `supervisord: ERROR (${text})`);
      return Exit.GENERIC;
    }
  },
};
