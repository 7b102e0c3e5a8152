/**
 * The one bridge from ts-proto's generic service definitions (proto/gen, generated with
 * `outputServices=generic-definitions`, see buf.gen.yaml) to @grpc/grpc-js, for the adapters
 * that run on grpc-js: the agent's control server (agent/control), the controller's services
 * (controller/grpc) and the agent's link to the controller (agent/link).
 *
 *   import { AgentServiceDefinition } from './gen/fleet/v1/agent_link.js';
 *   // server
 *   const impl: GrpcServiceImplementation<typeof AgentServiceDefinition> = { connect: (call) => { ... } };
 *   server.addService(grpcServiceDefinition(AgentServiceDefinition), impl);
 *   // client (unary, server-, client- and bidi-streaming methods, typed)
 *   const Client = grpcClientConstructor(AgentServiceDefinition);
 *   const stream = new Client('ctl:7400', credentials.createSsl()).connect(metadata); // ClientDuplexStream
 *
 * The generated files themselves never import grpc-js, so fleetctl, which speaks gRPC over
 * node:http2 (cli/client/grpc-transport.ts), loads the message codecs without it.
 */
import {
  makeGenericClientConstructor,
  type CallOptions,
  type ChannelCredentials,
  type Client,
  type ClientDuplexStream,
  type ClientOptions,
  type ClientReadableStream,
  type ClientUnaryCall,
  type ClientWritableStream,
  type handleBidiStreamingCall,
  type handleClientStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type Metadata,
  type MethodDefinition,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';

/** A message type's codec as ts-proto emits it (`MessageFns<T>`). */
export interface MessageCodec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

/** One method of a generic definition. */
export interface GenericMethod<Req = any, Res = any> {
  readonly name: string;
  readonly requestType: MessageCodec<Req>;
  readonly requestStream: boolean;
  readonly responseType: MessageCodec<Res>;
  readonly responseStream: boolean;
}

/** A ts-proto generic service definition (`FooServiceDefinition`). */
export interface GenericService {
  readonly name: string;
  readonly fullName: string;
  readonly methods: { readonly [key: string]: GenericMethod };
}

type RequestOf<M> = M extends GenericMethod<infer Req, any> ? Req : never;
type ResponseOf<M> = M extends GenericMethod<any, infer Res> ? Res : never;

/** The grpc-js handler type for one method, by its stream flags. */
export type GrpcHandler<M extends GenericMethod> = M['requestStream'] extends true
  ? M['responseStream'] extends true
    ? handleBidiStreamingCall<RequestOf<M>, ResponseOf<M>>
    : handleClientStreamingCall<RequestOf<M>, ResponseOf<M>>
  : M['responseStream'] extends true
    ? handleServerStreamingCall<RequestOf<M>, ResponseOf<M>>
    : handleUnaryCall<RequestOf<M>, ResponseOf<M>>;

/** What `server.addService(grpcServiceDefinition(def), impl)` wants as `impl`: one handler per method, keyed as in `def.methods`. */
export type GrpcServiceImplementation<S extends GenericService> = { [K in keyof S['methods']]: GrpcHandler<S['methods'][K]> };

type UnaryCallback<Res> = (error: ServiceError | null, response: Res) => void;

/** The grpc-js client method for one method, by its stream flags (the full-argument form of grpc-js's overloads). */
export type GrpcClientMethod<M extends GenericMethod> = M['requestStream'] extends true
  ? M['responseStream'] extends true
    ? (metadata?: Metadata, options?: Partial<CallOptions>) => ClientDuplexStream<RequestOf<M>, ResponseOf<M>>
    : (metadata: Metadata, options: Partial<CallOptions>, callback: UnaryCallback<ResponseOf<M>>) => ClientWritableStream<RequestOf<M>>
  : M['responseStream'] extends true
    ? (request: RequestOf<M>, metadata?: Metadata, options?: Partial<CallOptions>) => ClientReadableStream<ResponseOf<M>>
    : (request: RequestOf<M>, metadata: Metadata, options: Partial<CallOptions>, callback: UnaryCallback<ResponseOf<M>>) => ClientUnaryCall;

export type GrpcClient<S extends GenericService> = Client & { [K in keyof S['methods']]: GrpcClientMethod<S['methods'][K]> };

export interface GrpcClientConstructor<S extends GenericService> {
  new (address: string, credentials: ChannelCredentials, options?: Partial<ClientOptions>): GrpcClient<S>;
}

/** The grpc-js ServiceDefinition of a generic definition: paths `/<fullName>/<Name>`, protobuf binary codecs. */
export function grpcServiceDefinition<S extends GenericService>(service: S): ServiceDefinition<GrpcServiceImplementation<S>> {
  const methods: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [key, method] of Object.entries(service.methods)) {
    const { requestType, responseType } = method as GenericMethod<unknown, unknown>;
    methods[key] = {
      path: `/${service.fullName}/${method.name}`,
      originalName: key,
      requestStream: method.requestStream,
      responseStream: method.responseStream,
      requestSerialize: (value) => Buffer.from(requestType.encode(value).finish()),
      requestDeserialize: (bytes) => requestType.decode(bytes),
      responseSerialize: (value) => Buffer.from(responseType.encode(value).finish()),
      responseDeserialize: (bytes) => responseType.decode(bytes),
    };
  }
  return methods as ServiceDefinition<GrpcServiceImplementation<S>>;
}

/** A grpc-js client class for a generic definition, with one method per RPC, keyed as in `def.methods`. */
export function grpcClientConstructor<S extends GenericService>(service: S): GrpcClientConstructor<S> {
  return makeGenericClientConstructor(grpcServiceDefinition(service), service.fullName) as unknown as GrpcClientConstructor<S>;
}
