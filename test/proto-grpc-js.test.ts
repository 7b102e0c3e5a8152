/**
 * proto/grpc-js.ts: grpc-js servers and clients built from ts-proto's generic definitions, with
 * the generated codecs, over a real socket. Unary and server streams are what the agent's
 * control server uses; the bidi stream is the shape of the agent's link (AgentService.Connect).
 * fleetctl's own transport is checked against the same grpc-js server, so the two sides agree on
 * the wire (trailers-only errors, metadata, grpc-timeout).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { credentials, Metadata, Server, ServerCredentials, status } from '@grpc/grpc-js';
import { join } from 'node:path';
import { GrpcError, GrpcStatus } from '../cli/client/grpc-status.js';
import { GrpcTransport, grpcMethods } from '../cli/client/grpc-transport.js';
import { AgentControlServiceDefinition, type FollowLogResponse, type GetStateResponse } from '../proto/gen/fleet/v1/agent_control.js';
import { AgentServiceDefinition, type ConnectResponse } from '../proto/gen/fleet/v1/agent_link.js';
import { grpcClientConstructor, grpcServiceDefinition, type GrpcServiceImplementation } from '../proto/grpc-js.js';
import { makeTempDir } from './helpers/temp-dir.js';

const tmp = makeTempDir('fleetvisor-grpc-js-');
const cleanups: Array<() => void | Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  tmp.remove();
});

const STATE: GetStateResponse = { version: '9.9', apiVersion: '3.0', identification: 'test', pid: 42, state: 'RUNNING' };

/** Handlers only for the methods a test calls; the others answer UNIMPLEMENTED. */
function controlImplementation(overrides: Partial<GrpcServiceImplementation<typeof AgentControlServiceDefinition>>): GrpcServiceImplementation<typeof AgentControlServiceDefinition> {
  const unimplemented = (_call: unknown, callback?: (err: { code: number }) => void): void => callback?.({ code: status.UNIMPLEMENTED });
  const all = Object.fromEntries(Object.keys(AgentControlServiceDefinition.methods).map((key) => [key, unimplemented]));
  return { ...all, ...overrides } as GrpcServiceImplementation<typeof AgentControlServiceDefinition>;
}

async function serve(add: (server: Server) => void): Promise<{ target: string; path: string }> {
  const path = join(tmp.fresh(), 'grpc.sock');
  const server = new Server();
  add(server);
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${path}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  cleanups.push(() => void server.forceShutdown());
  return { target: `unix://${path}`, path };
}

test('a service built from the generic definition serves unary and server-streaming calls to a grpc-js client', async () => {
  const { target } = await serve((server) =>
    server.addService(
      grpcServiceDefinition(AgentControlServiceDefinition),
      controlImplementation({
        getState: (_call, callback) => callback(null, STATE),
        followLog: (call) => {
          call.write({ data: Buffer.from(`backlog ${call.request.backlog}`), truncated: false });
          call.write({ data: Buffer.from('more'), truncated: true });
          call.end();
        },
      }),
    ),
  );
  const Client = grpcClientConstructor(AgentControlServiceDefinition);
  const client = new Client(target, credentials.createInsecure());
  cleanups.push(() => client.close());
  const state = await new Promise<GetStateResponse>((resolve, reject) =>
    client.getState({}, new Metadata(), {}, (err, response) => (err ? reject(err) : resolve(response))),
  );
  assert.deepEqual(state, STATE);
  const chunks: FollowLogResponse[] = [];
  for await (const chunk of client.followLog({ process: undefined, channel: 0, backlog: 7n })) chunks.push(chunk as FollowLogResponse);
  assert.deepEqual(chunks.map((c) => [String(c.data), c.truncated]), [['backlog 7', false], ['more', true]]);
});

test('a bidi service built from the generic definition talks to a grpc-js client both ways', async () => {
  const { target } = await serve((server) =>
    server.addService(grpcServiceDefinition(AgentServiceDefinition), {
      connect: (call) => {
        call.on('data', (request: { body?: { $case: string; value: { timeMs: bigint } } }) => {
          if (request.body?.$case === 'heartbeat') call.write({ body: { $case: 'heartbeat', value: { timeMs: request.body.value.timeMs + 1n } } });
        });
        call.on('end', () => call.end());
      },
    } satisfies GrpcServiceImplementation<typeof AgentServiceDefinition>),
  );
  const Client = grpcClientConstructor(AgentServiceDefinition);
  const client = new Client(target, credentials.createInsecure());
  cleanups.push(() => client.close());
  const stream = client.connect();
  const replies: ConnectResponse[] = [];
  const done = (async () => {
    for await (const reply of stream) replies.push(reply as ConnectResponse);
  })();
  stream.write({ body: { $case: 'heartbeat', value: { timeMs: 41n } } });
  stream.write({ body: { $case: 'heartbeat', value: { timeMs: 99n } } });
  stream.end();
  await done;
  assert.deepEqual(replies, [
    { body: { $case: 'heartbeat', value: { timeMs: 42n } } },
    { body: { $case: 'heartbeat', value: { timeMs: 100n } } },
  ]);
});

test('fleetctl\'s transport and a grpc-js server agree on messages, streams, error trailers and deadlines', async () => {
  let timeoutSeen: string | undefined;
  const { path } = await serve((server) =>
    server.addService(
      grpcServiceDefinition(AgentControlServiceDefinition),
      controlImplementation({
        getState: (call, callback) => {
          if (call.metadata.get('authorization')[0] !== 'Basic dTpw') {
            const metadata = new Metadata();
            metadata.set('fleet-fault', 'FAILED');
            callback({ code: status.PERMISSION_DENIED, details: 'wrong: 100% ✗', metadata });
            return;
          }
          callback(null, STATE);
        },
        followLog: (call) => {
          for (let i = 0; i < 50; i++) call.write({ data: Buffer.alloc(1000, i), truncated: false });
          call.end();
        },
        // Never answers: the client's deadline must end it.
        readLog: (call) => {
          timeoutSeen = String(call.getDeadline());
        },
      }),
    ),
  );
  const rpc = grpcMethods(AgentControlServiceDefinition);
  const anonymous = new GrpcTransport({ kind: 'unix', path });
  const user = new GrpcTransport({ kind: 'unix', path }, { metadata: { authorization: 'Basic dTpw' } });
  cleanups.push(() => anonymous.close(), () => user.close());

  assert.deepEqual(await user.unary(rpc.getState, {}), STATE);
  await assert.rejects(anonymous.unary(rpc.getState, {}), (err: unknown) => {
    assert.ok(err instanceof GrpcError);
    assert.equal(err.code, GrpcStatus.PERMISSION_DENIED);
    assert.equal(err.details, 'wrong: 100% ✗');
    assert.equal(err.metadata['fleet-fault'], 'FAILED');
    return true;
  });
  let count = 0;
  for await (const chunk of user.serverStream(rpc.followLog, { process: undefined, channel: 0, backlog: 0n })) {
    assert.equal(chunk.data[0], count++);
  }
  assert.equal(count, 50);
  const request = { process: undefined, channel: 0, offset: 0n, length: 10n, tail: false };
  await assert.rejects(user.unary(rpc.readLog, request, { deadline: Date.now() + 200 }), (err: unknown) => {
    assert.ok(err instanceof GrpcError);
    assert.equal(err.code, GrpcStatus.DEADLINE_EXCEEDED);
    return true;
  });
  assert.notEqual(timeoutSeen, 'Infinity', 'grpc-js saw the deadline');
});
