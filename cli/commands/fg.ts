import { isFleetError } from '../../common/errors.js';
import type { ProcessName } from '../client/agent-client.js';
import { Exit } from '../exit-codes.js';
import { faultRepr } from '../failures.js';
import { pySplit } from '../io.js';
import { processOf, splitNamespec } from '../names.js';
import { isFault } from '../session.js';
import { say, usageError, type Command, type CommandContext } from './command.js';
import { stream } from './follow.js';

export const fg: Command = {
  name: 'fg',
  interruptible: true,
  help: 'fg <process>\tConnect to a process in foreground mode\n\t\tCtrl-C to exit\n',
  async run(ctx, arg) {
    const failed = await ctx.session.upcheck(ctx.io, ctx.signal);
    if (failed !== null) return failed;
    const names = pySplit(arg);
    if (names.length === 0) {
      usageError(ctx, 'ERROR: no process name supplied', this.help);
      return Exit.GENERIC;
    }
    if (names.length > 1) {
      say(ctx, 'ERROR: too many process names supplied');
      return Exit.GENERIC;
    }
    const process = processOf(splitNamespec(names[0]!));
    const client = await ctx.session.client();
    try {
      if (process === null) throw new BadName();
      const info = await client.getProcess(process, ctx.signal);
      if (info.statename !== 'RUNNING') {
        say(ctx, 'ERROR: process not running');
        return Exit.GENERIC;
      }
    } catch (err) {
      if (err instanceof BadName || isFleetError(err, 'BAD_NAME')) {
        say(ctx, 'ERROR: bad process name supplied');
        return Exit.GENERIC;
      }
      if (!isFault(err)) throw err;
      say(ctx, `ERROR: ${faultRepr(err)}`);
      return Exit.SUCCESS;
    }
    say(ctx, '==> Press Ctrl-C to exit <==');
    await attach(ctx, process, names[0]!);
    return Exit.SUCCESS;
  },
};

/** Streams the process's stdout and stderr and sends typed lines to its stdin until Ctrl-C, EOF or its exit. */
async function attach(ctx: CommandContext, process: ProcessName, rawName: string): Promise<void> {
  const done = new AbortController();
  const stop = (): void => done.abort();
  ctx.signal.addEventListener('abort', stop, { once: true });
  const streamCtx: CommandContext = { ...ctx, signal: done.signal };
  const streams = Promise.all(
    (['stdout', 'stderr'] as const).map((channel) =>
      stream(streamCtx, ctx.io, { process, channel, path: `/logtail/${rawName}/${channel}` }).catch(() => false),
    ),
  );
  try {
    const client = await ctx.session.client();
    for (;;) {
      const line = await ctx.readLine('', done.signal);
      if (line === null) break;
      try {
        await client.sendStdin(process, Buffer.from(`${line}\n`), ctx.signal);
      } catch (err) {
        if (isFleetError(err, 'NOT_RUNNING')) say(ctx, 'Process got killed');
        else if (isFault(err)) say(ctx, `ERROR: ${faultRepr(err)}`);
        else throw err;
        return;
      }
      const info = await client.getProcess(process, ctx.signal);
      if (info.statename !== 'RUNNING') {
        say(ctx, 'Process got killed');
        return;
      }
    }
  } finally {
    say(ctx, 'Exiting foreground');
    ctx.signal.removeEventListener('abort', stop);
    done.abort();
    await streams;
  }
}

class BadName extends Error {}
