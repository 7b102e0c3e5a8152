/**
 * The controller's side of one AgentService.Connect stream, from the first message to the
 * last (the protocol is agent_link.proto's header comment):
 *
 *   hello -> checks (name, identity, reconnect throttle) -> the host's older stream is ended
 *   -> earlier appends finish -> the connect is recorded -> HelloAck(acked seq, heartbeat)
 *   -> snapshot, events, heartbeats, command results and log chunks until the stream ends.
 *
 * Every way out (the agent closed, a broken or garbage stream, silence, a newer hello, the
 * controller closing) ends in the same place: the session is closed, its waiters fail with
 * HOST_UNREACHABLE, and the host is disconnected unless a newer stream took over.
 */
import { errorCodeOf, FleetError } from '../../common/errors.js';
import { hostNameProblem } from '../../common/host.js';
import { unreachable, AgentSession } from './agent-session.js';
import type { CoreContext } from './core-context.js';
import type { AgentHello, AgentMessage, AgentStream } from './link-protocol.js';

/** Serves one agent stream; resolves when it has ended (never rejects). */
export async function serveAgentStream(ctx: CoreContext, stream: AgentStream): Promise<void> {
  const messages = stream.messages[Symbol.asyncIterator]();
  let session: AgentSession | null = null;
  try {
    const hello = await readHello(ctx, stream, messages);
    session = await openSession(ctx, stream, hello);
    if (!session) return;
    await session.send({ kind: 'hello-ack', ackedSeq: ctx.registry.get(session.host)?.lastSeq ?? 0, heartbeatMs: ctx.settings.heartbeatMs, controllerVersion: ctx.settings.version });
    ctx.registry.sessionReady(session);
    await readMessages(ctx, session, messages);
    session.close(unreachable(session.host, 'the agent closed its stream'));
  } catch (err) {
    const error = err instanceof FleetError ? err : new FleetError('BAD_ARGUMENTS', `the agent stream broke: ${(err as Error).message}`);
    if (session) {
      ctx.log.info(`${session.host}: stream from ${stream.peer} ended: ${error.message}`);
      session.close(error);
    } else {
      ctx.log.info(`stream from ${stream.peer} ended before its hello: ${error.message}`);
      stream.close(error);
    }
  } finally {
    if (session) ctx.registry.detach(session);
  }
}

async function readHello(ctx: CoreContext, stream: AgentStream, messages: AsyncIterator<AgentMessage>): Promise<AgentHello> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new FleetError('BAD_ARGUMENTS', `no hello within ${ctx.settings.helloTimeoutMs} ms of connecting`)),
      ctx.settings.helloTimeoutMs,
    );
  });
  try {
    const first = await Promise.race([messages.next(), timeout]);
    if (first.done) throw new FleetError('BAD_ARGUMENTS', 'the stream ended before its hello');
    if (first.value.kind !== 'hello') throw new FleetError('BAD_ARGUMENTS', `the first message must be a hello, not ${first.value.kind}`);
    const hello = first.value.hello;
    const problem = hostNameProblem(hello.host);
    if (problem) throw new FleetError('BAD_ARGUMENTS', `bad hello: ${problem}`);
    if (stream.identity !== null && stream.identity !== hello.host) {
      throw new FleetError(
        'PERMISSION_DENIED',
        `this connection is authenticated as host ${stream.identity} (its client certificate) and cannot report for ${hello.host}; ` +
          `an agent reports only for the host its certificate names: set [fleet] host = ${stream.identity}, or join as ${hello.host}`,
      );
    }
    return hello;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Registers the stream as the host's session (the caller sends the HelloAck), or refuses it
 * (null) when the host reconnects too often.
 */
async function openSession(ctx: CoreContext, stream: AgentStream, hello: AgentHello): Promise<AgentSession | null> {
  const host = hello.host;
  const wait = ctx.throttle.take(host, ctx.clock.now());
  if (wait > 0) {
    ctx.log.warn(`${host}: refused a hello from ${stream.peer}: reconnecting too often`);
    stream.close(new FleetError('RATE_LIMITED', `host ${host} reconnects too often; retry in ${wait} ms`));
    return null;
  }
  const previous = ctx.registry.get(host)?.session;
  previous?.close(unreachable(host, `replaced by a newer stream from ${stream.peer}`));
  // Appends of the old stream finish first, so the acked seq below includes them.
  await ctx.ingest.idle(host);
  const stored = await ctx.store.recordConnect({ name: host, labels: hello.labels, agentVersion: hello.agentVersion, peer: stream.peer, time: ctx.clock.now() });
  if (hello.lastSeq < stored.lastSeq) {
    ctx.log.warn(
      `${host}: the agent's last seq is ${hello.lastSeq}, below the ${stored.lastSeq} already stored; ` +
        `its state_dir was probably reset, and its events up to seq ${stored.lastSeq} will be taken as already stored`,
    );
  }
  const session = new AgentSession(host, stream, ctx.clock.now(), ctx.nextId);
  const replaced = ctx.registry.attach(session, hello, stored.lastSeq);
  replaced?.close(unreachable(host, `replaced by a newer stream from ${stream.peer}`));
  ctx.ingest.resetSubmitted(host, stored.lastSeq);
  ctx.log.info(`${host}: connected from ${stream.peer} (agent ${hello.agentVersion || 'unknown'}, acked seq ${stored.lastSeq})`);
  return session;
}

async function readMessages(ctx: CoreContext, session: AgentSession, messages: AsyncIterator<AgentMessage>): Promise<void> {
  for (;;) {
    const next = await messages.next();
    if (next.done || session.closed) return;
    const message = next.value;
    ctx.registry.touch(session, ctx.clock.now());
    switch (message.kind) {
      case 'hello':
        throw new FleetError('BAD_ARGUMENTS', 'a second hello on the same stream');
      case 'snapshot':
        ctx.ingest.snapshot(session, message.processes);
        break;
      case 'events':
        await ctx.ingest.events(session, message.rows);
        break;
      case 'heartbeat':
        break;
      case 'result':
        session.resolveCommand(message.reply);
        break;
      case 'log-chunk':
        session.deliverLogChunk(message.chunk);
        break;
      case 'log-end':
        session.endLogs(message.subscriptionId, message.fault ? new FleetError(errorCodeOf(message.fault), message.message) : null);
        break;
    }
  }
}
