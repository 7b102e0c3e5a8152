/**
 * The link's transport: AgentService.Connect on grpc-js, as a small stream interface that the
 * session drives (write with backpressure, the controller's messages as an async iterable, an
 * idempotent close). One channel per connection attempt, so the link's own backoff decides when
 * to dial, not grpc-js's channel backoff.
 */
import { credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { AgentServiceDefinition, type ConnectRequest, type ConnectResponse } from '../../proto/gen/fleet/v1/agent_link.js';
import { grpcClientConstructor } from '../../proto/grpc-js.js';
import type { AgentCredentials } from './agent-credentials.js';
import { CONTROLLER_CHANNEL_OPTIONS, controllerCredentials } from './controller-tls.js';

const AgentServiceClient = grpcClientConstructor(AgentServiceDefinition);

export interface LinkStream {
  /** Queues a message; false when the stream's buffer is full: wait for drain() before writing more. */
  write(message: ConnectRequest): boolean;
  /** Resolves when the stream can take more, when it has ended, or when `signal` aborts. */
  drain(signal: AbortSignal): Promise<void>;
  /** The controller's messages until the stream ends; throws the stream's error (status UNAVAILABLE...). */
  messages(): AsyncIterable<ConnectResponse>;
  /** Ends the call and closes the channel. Idempotent. */
  close(): void;
}

/** Plaintext ([fleet] insecure, a controller started with --insecure), or mutual TLS with the agent's credentials. */
export type StreamOptions = { insecure: true } | { credentials: AgentCredentials };

/** Opens the stream to `address` (`host:port`). Connection errors come out of messages(). */
export function openLinkStream(address: string, options: StreamOptions): LinkStream {
  const channelCredentials = 'credentials' in options ? controllerCredentials(options.credentials.caPem, options.credentials) : credentials.createInsecure();
  const client = new AgentServiceClient(address, channelCredentials, {
    ...('credentials' in options ? CONTROLLER_CHANNEL_OPTIONS : {}),
    // Large enough for any command; the controller never sends more.
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
  });
  const call: ClientDuplexStream<ConnectRequest, ConnectResponse> = client.connect();
  let closed = false;
  // Errors are read through messages(); one after close (CANCELLED) must not go unhandled.
  call.on('error', () => {});
  return {
    write(message) {
      if (closed || call.writableEnded) return false;
      return call.write(message);
    },
    drain(signal) {
      if (closed || signal.aborted || !call.writableNeedDrain) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = (): void => {
          call.off('drain', done);
          call.off('close', done);
          call.off('error', done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        call.once('drain', done);
        call.once('close', done);
        call.once('error', done);
        signal.addEventListener('abort', done, { once: true });
      });
    },
    messages() {
      return call;
    },
    close() {
      if (closed) return;
      closed = true;
      call.cancel();
      client.close();
    },
  };
}
