import { isFleetError } from '../../common/errors.js';
import { pyRepr } from '../../common/python-repr.js';
import type { LogChannel, ProcessName } from '../client/agent-client.js';
import { Exit } from '../exit-codes.js';
import { pyInt, pySplit } from '../io.js';
import { processOf, splitNamespec } from '../names.js';
import { say, usageError, type Command, type CommandContext } from './command.js';
import { follow } from './follow.js';

/** What supervisorctl's tail prints without -N. */
export const DEFAULT_TAIL_BYTES = 1600;

export type TailRequest =
  | { kind: 'error'; message: string; withHelp: boolean }
  | { kind: 'tail'; name: string; channel: LogChannel; bytes: number | 'follow' };

/** supervisorctl's do_tail argument rules, quirks included (`tail a b stderr` ignores `b`). */
export function parseTailArgs(arg: string): TailRequest {
  const args = pySplit(arg);
  if (args.length < 1) return { kind: 'error', message: 'Error: too few arguments', withHelp: true };
  if (args.length > 3) return { kind: 'error', message: 'Error: too many arguments', withHelp: true };
  const modifier = args[0]!.startsWith('-') ? args.shift()! : null;
  let name: string;
  let channel: string = 'stdout';
  if (args.length === 1) {
    name = args[0]!;
  } else if (args.length > 0) {
    name = args[0]!;
    channel = args.at(-1)!.toLowerCase();
    if (channel !== 'stdout' && channel !== 'stderr') {
      return { kind: 'error', message: `Error: bad channel ${pyRepr(channel)}`, withHelp: false };
    }
  } else {
    return { kind: 'error', message: 'Error: tail requires process name', withHelp: false };
  }
  let bytes: number | 'follow' = DEFAULT_TAIL_BYTES;
  if (modifier !== null) {
    const what = modifier.slice(1);
    if (what === 'f') {
      bytes = 'follow';
    } else {
      const n = pyInt(what);
      if (n === null) return { kind: 'error', message: `Error: bad argument ${modifier}`, withHelp: false };
      bytes = n;
    }
  }
  return { kind: 'tail', name, channel: channel as LogChannel, bytes };
}

/** The read faults tail and maintail report, with supervisorctl's words. */
export const READ_ERRORS: Partial<Record<string, string>> = {
  NO_FILE: 'no log file',
  FAILED: 'unknown error reading log',
};

export const tail: Command = {
  name: 'tail',
  interruptible: true,
  help:
    'tail [-f] <name> [stdout|stderr] (default stdout)\n' +
    'Ex:\n' +
    'tail -f <name>\t\tContinuous tail of named process stdout\n' +
    '\t\t\tCtrl-C to exit.\n' +
    'tail -100 <name>\tlast 100 *bytes* of process stdout\n' +
    'tail <name> stderr\tlast 1600 *bytes* of process stderr\n',
  async run(ctx, arg) {
    const failed = await ctx.session.upcheck(ctx.io, ctx.signal);
    if (failed !== null) return failed;
    const request = parseTailArgs(arg);
    if (request.kind === 'error') {
      if (request.withHelp) usageError(ctx, request.message, this.help);
      else say(ctx, request.message);
      return Exit.GENERIC;
    }
    const process = processOf(splitNamespec(request.name));
    if (request.bytes === 'follow') {
      return follow(ctx, {
        process,
        channel: request.channel,
        path: `/logtail/${request.name}/${request.channel}`,
      });
    }
    return readTail(ctx, request.name, process, request.channel, request.bytes);
  },
};

async function readTail(
  ctx: CommandContext,
  name: string,
  process: ProcessName | null,
  channel: LogChannel,
  bytes: number,
): Promise<number> {
  try {
    // A group name (`g:*`) is no process: supervisord answers BAD_NAME, and so does fleetctl.
    if (process === null) throw new NoProcess();
    const client = await ctx.session.client();
    const { data } = await client.readLog({ process, channel, offset: -bytes, length: 0, tail: false }, ctx.signal);
    ctx.io.out(data);
    ctx.io.out('\n');
    return Exit.SUCCESS;
  } catch (err) {
    const text = err instanceof NoProcess || isFleetError(err, 'BAD_NAME') ? 'no such process name' : isFleetError(err) ? READ_ERRORS[err.code] : undefined;
    if (text === undefined) throw err;
    say(ctx, `${name}: ERROR (${text})`);
    return Exit.GENERIC;
  }
}

class NoProcess extends Error {}
