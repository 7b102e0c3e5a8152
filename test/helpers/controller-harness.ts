/**
 * A real controller in-process for the controller's tests: SQLite in a temp dir, gRPC and HTTP
 * on 127.0.0.1:0, and a FleetService client (real grpc-js) with promise and collect helpers.
 */
import { credentials, Metadata, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { FAULT_METADATA_KEY } from '../../common/errors.js';
import { startController, type RunningController, type StartControllerOptions } from '../../controller/run.js';
import { FleetServiceDefinition } from '../../proto/gen/fleet/v1/fleet.js';
import { grpcClientConstructor, type GrpcClient } from '../../proto/grpc-js.js';
import { makeTempDir } from './temp-dir.js';

const FleetClient = grpcClientConstructor(FleetServiceDefinition);
export type FleetGrpcClient = GrpcClient<typeof FleetServiceDefinition>;

export interface TestController {
  controller: RunningController;
  address: string;
  dataDir: string;
  fleet: FleetGrpcClient;
  /** Closes the client and the controller (once); removes the temp dir unless `keepDir`. */
  close(options?: { keepDir?: boolean }): Promise<void>;
}

export async function startTestController(options: Partial<Omit<StartControllerOptions, 'listen' | 'http'>> = {}): Promise<TestController> {
  const temp = options.dataDir ? null : makeTempDir('fleet-controller-test-');
  const dataDir = options.dataDir ?? temp!.path;
  const controller = await startController({
    listen: { host: '127.0.0.1', port: 0 },
    http: { host: '127.0.0.1', port: 0 },
    dataDir,
    heartbeatMs: options.heartbeatMs ?? 5000,
    core: options.core,
    log: options.log,
  });
  const fleet = new FleetClient(controller.grpcAddress, credentials.createInsecure());
  let closed: Promise<void> | null = null;
  return {
    controller,
    address: controller.grpcAddress,
    dataDir,
    fleet,
    async close(closeOptions = {}) {
      closed ??= (async () => {
        fleet.close();
        await controller.close();
      })();
      await closed;
      if (!closeOptions.keepDir) temp?.remove();
    },
  };
}

/** A unary FleetService call as a promise. */
export function call<Req, Res>(
  method: (request: Req, metadata: Metadata, options: object, callback: (err: ServiceError | null, res: Res) => void) => unknown,
  client: FleetGrpcClient,
  request: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, new Metadata(), {}, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** Every message of a server stream, once it has ended. Rejects with the stream's error. */
export function collect<Res>(stream: ClientReadableStream<Res>): Promise<Res[]> {
  return new Promise((resolve, reject) => {
    const out: Res[] = [];
    stream.on('data', (m: Res) => out.push(m));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}

/** The fault name a failed call carries in `fleet-fault`. */
export function faultOf(err: unknown): string | undefined {
  return (err as ServiceError).metadata?.get(FAULT_METADATA_KEY)[0]?.toString();
}
