/**
 * One live agent stream after its hello: the commands waiting for their results and the log
 * subscriptions waiting for chunks. When the stream ends (the agent went away, a newer hello
 * replaced it, silence, controller shutdown) every waiter is told at once with
 * HOST_UNREACHABLE, so no caller hangs on a host that is gone.
 */
import { FleetError } from '../../common/errors.js';
import type { AgentCommand, AgentStream, CommandReply, ControllerMessage, LogChunkIn, LogSubscription } from './link-protocol.js';

/** Receives one log subscription's chunks and its end. */
export interface LogSink {
  chunk(chunk: LogChunkIn): void;
  /** The agent ended the subscription (null: normally), or the session ended (HOST_UNREACHABLE). */
  end(error: FleetError | null): void;
}

interface PendingCommand {
  resolve(reply: CommandReply): void;
  reject(error: FleetError): void;
}

export interface RequestOptions {
  /** The caller went away: stop waiting (the agent still carries the command out). */
  signal?: AbortSignal;
  timeoutMs: number;
}

export class AgentSession {
  private readonly pending = new Map<string, PendingCommand>();
  private readonly logSinks = new Map<string, LogSink>();
  private closeError: FleetError | null = null;
  /** Epoch ms of the last message from the agent. */
  lastSeen: number;
  /** Epoch ms of the last heartbeat sent to the agent. */
  lastHeartbeatSent: number;

  constructor(
    readonly host: string,
    readonly stream: AgentStream,
    readonly connectedAt: number,
    private readonly nextId: () => string,
  ) {
    this.lastSeen = connectedAt;
    this.lastHeartbeatSent = connectedAt;
  }

  get peer(): string {
    return this.stream.peer;
  }

  get closed(): boolean {
    return this.closeError !== null;
  }

  /** Writes to the agent; a failed write (stream gone) closes the session. */
  async send(message: ControllerMessage): Promise<void> {
    if (this.closeError) throw this.closeError;
    try {
      await this.stream.send(message);
    } catch (err) {
      this.close(unreachable(this.host, `the stream broke while sending (${(err as Error).message})`));
      throw this.closeError ?? err;
    }
  }

  /**
   * Sends a command and resolves with the agent's reply. Rejects with HOST_UNREACHABLE when
   * the session ends or no reply comes within `timeoutMs`, and with the signal's reason when
   * the caller goes away; a late reply is then dropped.
   */
  request(command: AgentCommand, options: RequestOptions): Promise<CommandReply> {
    if (this.closeError) return Promise.reject(this.closeError);
    options.signal?.throwIfAborted();
    const id = this.nextId();
    return new Promise<CommandReply>((resolve, reject) => {
      const done = (): void => {
        this.pending.delete(id);
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        done();
        reject(options.signal!.reason);
      };
      const timer = setTimeout(() => {
        done();
        reject(unreachable(this.host, `no answer to the command within ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (reply) => (done(), resolve(reply)),
        reject: (error) => (done(), reject(error)),
      });
      this.send({ kind: 'command', id, command }).catch((err: unknown) => this.pending.get(id)?.reject(asFleetError(this.host, err)));
    });
  }

  /** A reply from the agent; replies nobody waits for (timed out, cancelled) are dropped. */
  resolveCommand(reply: CommandReply): void {
    this.pending.get(reply.id)?.resolve(reply);
  }

  /** Opens a log subscription on the agent; chunks go to `sink` until it ends or `cancelLogs`. */
  subscribeLogs(subscription: LogSubscription, sink: LogSink): void {
    if (this.closeError) {
      sink.end(this.closeError);
      return;
    }
    this.logSinks.set(subscription.id, sink);
    this.send({ kind: 'log-subscribe', subscription }).catch((err: unknown) => this.endLogs(subscription.id, asFleetError(this.host, err)));
  }

  /** Tells the agent to stop a subscription; no chunk of it is delivered afterwards. */
  cancelLogs(id: string): void {
    if (!this.logSinks.delete(id) || this.closeError) return;
    this.send({ kind: 'log-cancel', id }).catch(() => {});
  }

  deliverLogChunk(chunk: LogChunkIn): void {
    this.logSinks.get(chunk.subscriptionId)?.chunk(chunk);
  }

  endLogs(id: string, error: FleetError | null): void {
    const sink = this.logSinks.get(id);
    if (!sink) return;
    this.logSinks.delete(id);
    sink.end(error);
  }

  /**
   * Ends the session: every waiting command and log subscription fails with `error`, and the
   * stream is closed with it. Idempotent; the first error wins.
   */
  close(error: FleetError): void {
    if (this.closeError) return;
    this.closeError = error;
    for (const command of [...this.pending.values()]) command.reject(error);
    for (const [id, sink] of [...this.logSinks]) {
      this.logSinks.delete(id);
      sink.end(error);
    }
    this.stream.close(error);
  }
}

export function unreachable(host: string, why: string): FleetError {
  return new FleetError('HOST_UNREACHABLE', `${host}: ${why}`);
}

function asFleetError(host: string, err: unknown): FleetError {
  return err instanceof FleetError ? err : unreachable(host, (err as Error).message);
}
