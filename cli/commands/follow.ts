/**
 * `tail -f`, `maintail -f` and fg's output: supervisorctl's HTTP /logtail stream, here the
 * client's followLog. The backlog is the 1024 bytes supervisord's tail_f_producer starts with;
 * a log that shrank (rotated or cleared) prints supervisord's `==> File truncated <==`.
 * A missing process or log is supervisorctl's HTTP 404 line on stderr, exit 0, as it is there.
 */
import { isFleetError } from '../../common/errors.js';
import type { LogChannel, ProcessName } from '../client/agent-client.js';
import { Exit } from '../exit-codes.js';
import type { Writer } from '../io.js';
import { isAuthFailure } from '../session.js';
import { say, type CommandContext } from './command.js';

/** supervisord's tail_f_producer head. */
export const FOLLOW_BACKLOG = 1024;

export interface FollowRequest {
  /** null: the agent's activity log. */
  process: ProcessName | null;
  channel: LogChannel;
  /** supervisorctl's HTTP path, named in its error lines (`/logtail/web/stdout`, `/mainlogtail`). */
  path: string;
}

export async function follow(ctx: CommandContext, request: FollowRequest, mainLog = false): Promise<number> {
  say(ctx, '==> Press Ctrl-C to exit <==');
  await stream(ctx, ctx.io, request, mainLog);
  if (ctx.signal.aborted) say(ctx, '');
  return Exit.SUCCESS;
}

/**
 * Copies one log to `sink` until the signal aborts or the agent ends the stream. Returns false
 * after printing supervisorctl's error line when the log cannot be read.
 */
export async function stream(ctx: CommandContext, sink: Writer, request: FollowRequest, mainLog = false): Promise<boolean> {
  const cannotRead = (status: number): false => {
    ctx.io.err(`${ctx.session.serverurl}${request.path} Cannot read, status code ${status}\n`);
    return false;
  };
  if (request.process === null && !mainLog) return cannotRead(404);
  try {
    const client = await ctx.session.client();
    const chunks = client.followLog(
      { process: request.process, channel: request.channel, backlog: FOLLOW_BACKLOG },
      ctx.signal,
    );
    for await (const chunk of chunks) {
      if (chunk.truncated) sink.out('==> File truncated <==\n');
      if (chunk.data.length > 0) sink.out(chunk.data);
    }
    return true;
  } catch (err) {
    if (ctx.signal.aborted) return true;
    if (isAuthFailure(err)) return cannotRead(401);
    if (isFleetError(err, 'BAD_NAME') || isFleetError(err, 'NO_FILE')) return cannotRead(404);
    throw err;
  }
}
