// A small FleetService client on grpc-js for the harness: the calls it times or waits on
// (ListProcesses, Control), built from the generated definition with proto/grpc-js.ts.
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { ControlAction, FleetServiceDefinition, type ControlResponse, type FleetServiceListProcessesResponse } from '../../proto/gen/fleet/v1/fleet.js';
import { ProcessState } from '../../proto/gen/fleet/v1/process.js';
import { grpcClientConstructor, type GrpcClient } from '../../proto/grpc-js.js';
import { CONTROLLER_TLS_NAME } from '../../common/controller-tls.js';
import type { SecureAccess } from './controller-daemon.js';

const FleetServiceClient = grpcClientConstructor(FleetServiceDefinition);
const ALL_HOSTS = { scope: { $case: 'allHosts' as const, value: true } };

export interface ProcessCounts {
  hosts: number;
  processes: number;
  running: number;
  /** HostErrors in the reply. */
  errors: number;
}

export interface ControlOutcome {
  /** From the call to the stream's end (the last result), ms. */
  ms: number;
  results: number;
  succeeded: number;
  hostErrors: number;
  /** The first few failures, for the error message. */
  failures: string[];
}

export type ControlVerb = 'start' | 'stop' | 'restart' | 'signal';
const ACTION: Record<ControlVerb, ControlAction> = {
  start: ControlAction.CONTROL_ACTION_START,
  stop: ControlAction.CONTROL_ACTION_STOP,
  restart: ControlAction.CONTROL_ACTION_RESTART,
  signal: ControlAction.CONTROL_ACTION_SIGNAL,
};

export class FleetClient {
  private readonly client: GrpcClient<typeof FleetServiceDefinition>;

  private readonly metadata: () => Metadata;

  /** `secure`: TLS with the controller's CA and its fixed name, an admin token on every call; plaintext without. */
  constructor(address: string, secure: SecureAccess | null = null) {
    const channel = secure ? credentials.createSsl(Buffer.from(secure.caPem)) : credentials.createInsecure();
    this.client = new FleetServiceClient(address, channel, {
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
      ...(secure ? { 'grpc.ssl_target_name_override': CONTROLLER_TLS_NAME } : {}),
    });
    this.metadata = () => {
      const metadata = new Metadata();
      if (secure) metadata.set('authorization', `Bearer ${secure.adminToken}`);
      return metadata;
    };
  }

  /** ListProcesses on every host (`status -A`): the raw reply. */
  listAll(timeoutMs = 30_000): Promise<FleetServiceListProcessesResponse> {
    return new Promise((resolve, reject) => {
      this.client.listProcesses({ scope: ALL_HOSTS, addresses: [] }, this.metadata(), { deadline: Date.now() + timeoutMs }, (err: ServiceError | null, reply) => {
        if (err) reject(new Error(`ListProcesses failed: ${err.message}`));
        else resolve(reply);
      });
    });
  }

  async counts(timeoutMs?: number): Promise<ProcessCounts> {
    const reply = await this.listAll(timeoutMs);
    return {
      hosts: reply.hosts.length,
      processes: reply.processes.length,
      running: reply.processes.filter((p) => p.info?.state === ProcessState.PROCESS_STATE_RUNNING).length,
      errors: reply.errors.length,
    };
  }

  /** `verb` on every process of every host (scope all hosts, address `all`), timed to the last result; `signal` names the signal for 'signal'. */
  control(verb: ControlVerb, options: { wait?: boolean; signal?: string; timeoutMs?: number } = {}): Promise<ControlOutcome> {
    const { wait = true, signal = '', timeoutMs = 120_000 } = options;
    return new Promise((resolve, reject) => {
      const out: ControlOutcome = { ms: 0, results: 0, succeeded: 0, hostErrors: 0, failures: [] };
      const t0 = performance.now();
      const call = this.client.control({ scope: ALL_HOSTS, addresses: ['all'], action: ACTION[verb], signal, wait }, this.metadata(), {
        deadline: Date.now() + timeoutMs,
      });
      call.on('data', (response: ControlResponse) => {
        if (response.error) {
          out.hostErrors++;
          if (out.failures.length < 5) out.failures.push(`${response.error.host}: ${response.error.fault} ${response.error.message}`);
        }
        for (const r of response.results) {
          out.results++;
          if (r.fault === '') out.succeeded++;
          else if (out.failures.length < 5) out.failures.push(`${response.host}/${r.group}:${r.name} ${r.fault} ${r.description}`);
        }
      });
      call.on('error', (err: Error) => reject(new Error(`Control ${verb} failed: ${err.message}`)));
      call.on('end', () => {
        out.ms = performance.now() - t0;
        resolve(out);
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
