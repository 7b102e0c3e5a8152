// The simulator's processes in AgentService.Connect's wire types (the generated proto/gen types,
// as the agent's own adapter agent/link/link-proto.ts builds them), and its client of the
// service. Its events are encoded by hand (sim-encode.ts). One simulator speaks for hundreds of
// hosts; its snapshots go through the generated codec, once per connection.
import { formatUptime } from '../../common/process-info.js';
import type { ProcessResult } from '../../proto/gen/fleet/v1/agent_control.js';
import { makeGenericClientConstructor, type ChannelCredentials, type Client, type ClientDuplexStream, type ClientOptions } from '@grpc/grpc-js';
import { AgentServiceDefinition, type ConnectRequest, type ConnectResponse } from '../../proto/gen/fleet/v1/agent_link.js';
import type { ProcessInfo } from '../../proto/gen/fleet/v1/process.js';
import { grpcServiceDefinition } from '../../proto/grpc-js.js';
import { toProtoState } from '../../proto/process-convert.js';
import type { SimProcess, SimResult } from './sim-processes.js';

function description(p: SimProcess, now: number): string {
  if (p.state === 'RUNNING') return `pid ${p.pid}, uptime ${formatUptime(now - p.start)}`;
  if (p.state === 'STOPPED' && p.stop === 0) return 'Not started';
  return '';
}

/** The process as getProcessInfo would show it now. */
export function toInfo(p: SimProcess): ProcessInfo {
  const now = Date.now() / 1000;
  return {
    group: p.group,
    name: p.name,
    state: toProtoState(p.state),
    description: description(p, Math.floor(now)),
    pid: p.pid,
    startMs: BigInt(p.start * 1000),
    stopMs: BigInt(p.stop * 1000),
    spawnError: '',
    exitStatus: p.exitStatus,
    stdoutLogfile: '',
    stderrLogfile: '',
    nowMs: BigInt(Math.round(now * 1000)),
  };
}

/** AgentService.Connect as the simulator calls it: its event batches go out already encoded (sim-encode.ts). */
export type SimConnectCall = ClientDuplexStream<ConnectRequest | Uint8Array, ConnectResponse>;

const definition = grpcServiceDefinition(AgentServiceDefinition);

/** A grpc-js client of AgentService whose Connect also takes a request's bytes as they are. */
export const SimAgentClient = makeGenericClientConstructor(
  {
    ...definition,
    connect: {
      ...definition.connect,
      requestSerialize: (message: ConnectRequest | Uint8Array): Buffer =>
        message instanceof Uint8Array ? Buffer.from(message.buffer, message.byteOffset, message.byteLength) : definition.connect.requestSerialize(message),
    },
  },
  AgentServiceDefinition.fullName,
) as unknown as new (address: string, credentials: ChannelCredentials, options?: Partial<ClientOptions>) => Client & { connect(): SimConnectCall };

export function toProtoResult(r: SimResult): ProcessResult {
  return { group: r.group, name: r.name, fault: r.code === 'SUCCESS' ? '' : r.code, description: r.description };
}
