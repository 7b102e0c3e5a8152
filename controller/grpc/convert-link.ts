/**
 * AgentService.Connect messages to and from the core's link protocol (core/link-protocol.ts).
 * A message that decodes but makes no sense (no body, an unknown state, a seq out of range)
 * throws BAD_ARGUMENTS, which ends that stream with INVALID_ARGUMENT and the reason.
 */
import { FleetError } from '../../common/errors.js';
import { EventRows } from '../../common/event-rows.js';
import type { AgentMessage, ControllerMessage, LogSubscription } from '../core/link-protocol.js';
import type { Command, ConnectRequest, ConnectResponse, LogSubscribe } from '../../proto/gen/fleet/v1/agent_link.js';
import { fromProtoChannel, fromProtoGroupUpdate, fromProtoHostEvent, fromProtoProcessInfo, fromProtoResult, toProtoChannel, toSafeNumber } from './convert-process.js';

/** `host` is the stream's host from its hello ('' before it): every event is attributed to it. */
export function fromConnectRequest(request: ConnectRequest, host: string): AgentMessage {
  const body = request.body;
  switch (body?.$case) {
    case 'hello': {
      const h = body.value;
      return {
        kind: 'hello',
        hello: {
          host: h.host,
          labels: { ...h.labels },
          agentVersion: h.agentVersion,
          lastSeq: toSafeNumber(h.lastSeq, 'last_seq'),
          instanceId: h.instanceId,
          pid: h.pid,
          startedAt: toSafeNumber(h.startedMs, 'started_ms'),
        },
      };
    }
    case 'snapshot':
      return { kind: 'snapshot', processes: body.value.processes.map(fromProtoProcessInfo) };
    case 'events':
      return { kind: 'events', rows: EventRows.fromIncoming(body.value.events.map((e) => fromProtoHostEvent(host, e))) };
    case 'heartbeat':
      return { kind: 'heartbeat', time: toSafeNumber(body.value.timeMs, 'time_ms') };
    case 'result': {
      const r = body.value;
      return {
        kind: 'result',
        reply: {
          id: r.id,
          results: r.results.map(fromProtoResult),
          reread: r.reread ? { added: [...r.reread.added], changed: [...r.reread.changed], removed: [...r.reread.removed] } : null,
          update: r.update ? r.update.updates.map(fromProtoGroupUpdate) : null,
          fault: r.fault,
          message: r.message,
        },
      };
    }
    case 'logChunk': {
      const c = body.value;
      return {
        kind: 'log-chunk',
        chunk: {
          subscriptionId: c.subscriptionId,
          group: c.group,
          name: c.name,
          channel: fromProtoChannel(c.channel),
          time: toSafeNumber(c.timeMs, 'time_ms'),
          data: c.data,
          backlogComplete: c.backlogComplete,
        },
      };
    }
    case 'logEnd':
      return { kind: 'log-end', subscriptionId: body.value.subscriptionId, fault: body.value.fault, message: body.value.message };
    default:
      throw new FleetError('BAD_ARGUMENTS', 'a message with no body');
  }
}

export function toConnectResponse(message: ControllerMessage): ConnectResponse {
  switch (message.kind) {
    case 'hello-ack':
      return { body: { $case: 'helloAck', value: { ackedSeq: BigInt(message.ackedSeq), heartbeatMs: message.heartbeatMs, controllerVersion: message.controllerVersion } } };
    case 'ack':
      return { body: { $case: 'ack', value: { seq: BigInt(message.seq) } } };
    case 'heartbeat':
      return { body: { $case: 'heartbeat', value: { timeMs: BigInt(message.time) } } };
    case 'command':
      return { body: { $case: 'command', value: toProtoCommand(message.id, message.command) } };
    case 'log-subscribe':
      return { body: { $case: 'logSubscribe', value: toProtoLogSubscribe(message.subscription) } };
    case 'log-cancel':
      return { body: { $case: 'logCancel', value: { id: message.id } } };
  }
}

function toProtoCommand(id: string, command: Extract<ControllerMessage, { kind: 'command' }>['command']): Command {
  switch (command.kind) {
    case 'start':
    case 'stop':
    case 'restart':
      return { id, action: { $case: command.kind, value: { selectors: command.selectors, wait: command.wait } } };
    case 'signal':
      return { id, action: { $case: 'signal', value: { selectors: command.selectors, signal: command.signal } } };
    case 'reread':
      return { id, action: { $case: 'reread', value: {} } };
    case 'update':
      return { id, action: { $case: 'update', value: { names: command.groups } } };
  }
}

function toProtoLogSubscribe(s: LogSubscription): LogSubscribe {
  return {
    id: s.id,
    selectors: s.selectors,
    channels: s.channels.map(toProtoChannel),
    sinceMs: BigInt(s.since),
    maxBacklogBytes: BigInt(s.maxBacklogBytes),
    follow: s.follow,
  };
}
