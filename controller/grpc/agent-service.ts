/**
 * AgentService on grpc-js: each Connect call becomes an AgentStream the core serves. Reading
 * honours backpressure both ways: incoming messages are buffered only up to a small bound (then
 * the call is paused, and HTTP/2 flow control slows the agent down), and writes wait for
 * `drain`. Closing the stream ends the core's read loop at once, whatever the agent does.
 */
import { once, setMaxListeners } from 'node:events';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { toServiceError } from '../../proto/fault-status.js';
import { FleetError, isFleetError } from '../../common/errors.js';
import type { ControllerCore } from '../core/controller-core.js';
import type { AgentMessage, AgentStream, ControllerMessage } from '../core/link-protocol.js';
import { AgentServiceDefinition, type ConnectRequest, type ConnectResponse } from '../../proto/gen/fleet/v1/agent_link.js';
import { grpcServiceDefinition, type GrpcServiceImplementation } from '../../proto/grpc-js.js';
import { EventRows } from '../../common/event-rows.js';
import { readEventBatch } from './agent-events-reader.js';
import { fromConnectRequest, toConnectResponse } from './convert-link.js';

/** What a Connect call delivers: event batches already read (agent-events-reader.ts), anything else as the generated codec reads it. */
type ConnectMessage = ConnectRequest | EventRows;
type ConnectCall = ServerDuplexStream<ConnectMessage, ConnectResponse>;

/** AgentService's grpc-js definition, whose Connect reads event batches with agent-events-reader.ts. */
export function agentServiceDefinition(): ReturnType<typeof grpcServiceDefinition<typeof AgentServiceDefinition>> {
  const definition = grpcServiceDefinition(AgentServiceDefinition);
  const generated = definition.connect.requestDeserialize;
  // The handler below takes the EventRows of an events message where the definition's type says ConnectRequest.
  const requestDeserialize = ((bytes: Buffer): ConnectMessage => readEventBatch(bytes) ?? generated(bytes)) as typeof generated;
  return { ...definition, connect: { ...definition.connect, requestDeserialize } };
}

/** Messages buffered before the call is paused, and the level at which it resumes. */
const READ_HIGH_WATER = 64;
const READ_LOW_WATER = 16;

export interface AgentServiceOptions {
  /**
   * The host identity the transport authenticated for a call (the client certificate's name
   * under mutual TLS); null in insecure mode. A FleetError refuses the stream (a certificate
   * that is missing or revoked): the agent gets it as the stream's status.
   */
  identityOf?: (call: ConnectCall) => string | null;
}

export function createAgentService(core: ControllerCore, options: AgentServiceOptions = {}): GrpcServiceImplementation<typeof AgentServiceDefinition> {
  return {
    connect: (call) => {
      let identity: string | null;
      try {
        identity = options.identityOf?.(call) ?? null;
      } catch (err) {
        call.emit('error', toServiceError(err));
        return;
      }
      void core.serveAgent(new GrpcAgentStream(call, identity));
    },
  };
}

class GrpcAgentStream implements AgentStream {
  readonly peer: string;
  private readonly buffer: ConnectMessage[] = [];
  private waiter: (() => void) | null = null;
  private ended = false;
  private readError: Error | null = null;
  private closed = false;
  private readonly closing = new AbortController();
  /** The host from the hello, stamped on every event of the stream. */
  private host = '';

  constructor(
    private readonly call: ConnectCall,
    readonly identity: string | null,
  ) {
    this.peer = call.getPeer();
    // Every write that waits for `drain` listens for the close.
    setMaxListeners(0, this.closing.signal);
    call.on('data', (message: ConnectMessage) => {
      this.buffer.push(message);
      if (this.buffer.length >= READ_HIGH_WATER) call.pause();
      this.wake();
    });
    call.on('end', () => this.finishReading(null));
    call.on('cancelled', () => this.finishReading(new FleetError('HOST_UNREACHABLE', 'the agent cancelled its stream')));
    call.on('error', (err: Error) => this.finishReading(err));
  }

  get messages(): AsyncIterable<AgentMessage> {
    return { [Symbol.asyncIterator]: () => this.read() };
  }

  private async *read(): AsyncGenerator<AgentMessage> {
    for (;;) {
      if (this.closed) return;
      const next = this.buffer.shift();
      if (next !== undefined) {
        if (this.buffer.length <= READ_LOW_WATER && this.call.isPaused()) this.call.resume();
        const message: AgentMessage = next instanceof EventRows ? { kind: 'events', rows: next } : fromConnectRequest(next, this.host);
        if (message.kind === 'hello' && this.host === '') this.host = message.hello.host;
        yield message;
        continue;
      }
      if (this.readError) throw this.readError;
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  async send(message: ControllerMessage): Promise<void> {
    if (this.closed) throw new FleetError('HOST_UNREACHABLE', 'the stream is closed');
    if (this.call.write(toConnectResponse(message))) return;
    try {
      await once(this.call, 'drain', { signal: this.closing.signal });
    } catch {
      throw new FleetError('HOST_UNREACHABLE', 'the stream closed while a message waited to be sent');
    }
  }

  close(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    this.finishReading(null);
    try {
      if (error) this.call.emit('error', toServiceError(isFleetError(error) ? error : new FleetError('INTERNAL', error.message)));
      else this.call.end();
    } catch {
      // The call is already finished (the agent went away first).
    }
    this.call.removeAllListeners('data');
    if (this.call.isPaused()) this.call.resume();
  }

  private finishReading(error: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    this.readError = error;
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }
}
