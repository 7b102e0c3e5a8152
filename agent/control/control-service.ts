/**
 * AgentControlService over one engine: each handler is Supervisor's rpcinterface method of the
 * same family (rpcinterface.py), with its faults. The wire types stop here: requests are turned
 * into domain values by proto-adapters.ts, and the engine answers in domain types.
 */
import { FleetError } from '../../common/errors.js';
import type { ProcessResult } from '../../common/process-info.js';
import { VERSION } from '../../common/version.js';
import type { AgentControlServiceDefinition, LogChannel, ProcessName } from '../../proto/gen/fleet/v1/agent_control.js';
import type { GrpcServiceImplementation } from '../../proto/grpc-js.js';
import { ConfigValueError } from '../config/errors.js';
import type { Config } from '../config/types.js';
import { parseSignal } from '../config/values.js';
import type { ProcessRef, Supervisor, WaitOptions } from '../engine/supervisor.js';
import type { ControlHost } from './control-host.js';
import { applyUpdate, diffGroups, rereadConfig } from '../engine/reread-update.js';
import { followLogFile } from './log-follow.js';
import { readLogFile, tailLogFile } from './log-read.js';
import {
  fromProtoChannel,
  fromProtoName,
  fromProtoTarget,
  toNumber,
  toProtoGroupUpdate,
  toProtoProcessInfo,
  toProtoResult,
  type Target,
} from './proto-adapters.js';
import { serverStream, unary, type CallGuard } from './rpc-call.js';

export interface ControlServiceOptions {
  engine: Supervisor;
  host: ControlHost;
  /** The config the engine was built from. */
  config: Config;
  guard: CallGuard;
  /** How often FollowLog checks its file (see log-follow.ts). */
  followIntervalMs?: number;
}

/** The version of Supervisor's XML-RPC API that this API mirrors (getAPIVersion). */
const API_VERSION = '3.0';

const ok = (ref: ProcessRef): ProcessResult => ({ group: ref.group, name: ref.name, code: 'SUCCESS', description: 'OK' });

export function createControlService(options: ControlServiceOptions): GrpcServiceImplementation<AgentControlServiceDefinition> {
  const { engine, host, guard } = options;
  /**
   * The last config read: reread replaces it, addGroup and listConfigs read it, and the engine
   * keeps running what it was built from until update or add applies a change
   * (supervisord's options.process_group_configs).
   */
  let loaded = options.config;
  const reread = (): Config => (loaded = rereadConfig(() => host.loadConfig()));

  /** One target to one call of the engine's process, group or all form. */
  async function onTarget(
    target: Target,
    one: (ref: ProcessRef) => void | Promise<void>,
    group: (name: string) => ProcessResult[] | Promise<ProcessResult[]>,
    all: () => ProcessResult[] | Promise<ProcessResult[]>,
  ): Promise<{ results: ReturnType<typeof toProtoResult>[] }> {
    let results: ProcessResult[];
    if (target.kind === 'process') {
      await one(target.ref);
      results = [ok(target.ref)];
    } else {
      results = target.kind === 'group' ? await group(target.group) : await all();
    }
    return { results: results.map(toProtoResult) };
  }

  /** A process's log file for a channel; null for NONE (or stderr redirected). BAD_NAME if unknown. */
  function logPath(process: ProcessName | undefined, channel: LogChannel): string | null {
    if (!process) return options.host.activityLogPath();
    const info = engine.getProcessInfo(fromProtoName(process));
    return (fromProtoChannel(channel) === 'stdout' ? info.stdoutLogfile : info.stderrLogfile) || null;
  }

  return {
    getState: unary(guard, () => ({
      version: VERSION,
      apiVersion: API_VERSION,
      identification: options.config.supervisord.identifier,
      pid: process.pid,
      state: host.state(),
    })),

    listProcesses: unary(guard, () => ({ processes: engine.getAllProcessInfo().map(toProtoProcessInfo) })),

    getProcess: unary(guard, (req) => ({ process: toProtoProcessInfo(engine.getProcessInfo(fromProtoName(req.process))) })),

    startProcesses: unary(guard, (req, signal) => {
      const wait: WaitOptions = { wait: req.wait, signal };
      return onTarget(
        fromProtoTarget(req.target),
        (ref) => engine.startProcess(ref, wait),
        (group) => engine.startGroup(group, wait),
        () => engine.startAll(wait),
      );
    }),

    stopProcesses: unary(guard, (req, signal) => {
      const wait: WaitOptions = { wait: req.wait, signal };
      return onTarget(
        fromProtoTarget(req.target),
        (ref) => engine.stopProcess(ref, wait),
        (group) => engine.stopGroup(group, wait),
        () => engine.stopAll(wait),
      );
    }),

    signalProcesses: unary(guard, (req) => {
      const target = fromProtoTarget(req.target);
      let signal;
      try {
        signal = parseSignal(req.signal);
      } catch (err) {
        if (err instanceof ConfigValueError) throw new FleetError('BAD_SIGNAL', req.signal);
        throw err;
      }
      return onTarget(
        target,
        (ref) => engine.signalProcess(ref, signal),
        (group) => engine.signalGroup(group, signal),
        () => engine.signalAll(signal),
      );
    }),

    readLog: unary(guard, async (req) => {
      const path = logPath(req.process, req.channel);
      const offset = toNumber(req.offset);
      const length = toNumber(req.length);
      if (req.tail) {
        if (path === null) return { data: Buffer.alloc(0), offset: 0n, overflow: false };
        const tail = await tailLogFile(path, offset, length);
        return { data: tail.data, offset: BigInt(tail.offset), overflow: tail.overflow };
      }
      if (path === null) throw new FleetError('NO_FILE', '');
      return { data: await readLogFile(path, offset, length), offset: 0n, overflow: false };
    }),

    followLog: serverStream(guard, async function* (req, signal) {
      const path = logPath(req.process, req.channel);
      if (path === null) throw new FleetError('NO_FILE', '');
      const backlog = Math.max(0, toNumber(req.backlog));
      for await (const chunk of followLogFile(path, { backlog, intervalMs: options.followIntervalMs }, signal)) yield chunk;
    }),

    clearLogs: unary(guard, (req) =>
      onTarget(
        fromProtoTarget(req.target),
        (ref) => engine.clearLogs(ref),
        (group) => engine.clearAllLogs(group),
        () => engine.clearAllLogs(),
      ),
    ),

    reread: unary(guard, () => {
      const diff = diffGroups(engine.groupConfigs(), reread().groups);
      return { added: diff.added.map((g) => g.name), changed: diff.changed.map((g) => g.name), removed: diff.removed };
    }),

    updateGroups: unary(guard, async (req, signal) => {
      const updates = await applyUpdate(engine, reread(), req.names, signal);
      return { updates: updates.map(toProtoGroupUpdate) };
    }),

    addGroup: unary(guard, async (req) => {
      const config = loaded.groups.find((g) => g.name === req.name);
      if (!config) throw new FleetError('BAD_NAME', req.name);
      await engine.addGroup(config);
      return {};
    }),

    removeGroup: unary(guard, async (req) => {
      await engine.removeGroup(req.name);
      return {};
    }),

    listConfigs: unary(guard, () => {
      const active = new Set(engine.groupNames());
      const configs = loaded.groups.flatMap((g) =>
        g.processes.map((p) => ({
          group: g.name,
          name: p.name,
          inUse: active.has(g.name),
          autostart: p.autostart,
          groupPriority: g.priority,
          processPriority: p.priority,
        })),
      );
      // getAllConfigInfo sorts by process name only (a stable sort over the groups' order).
      configs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return { configs };
    }),

    sendStdin: unary(guard, (req) => {
      engine.sendStdin(fromProtoName(req.process), req.data);
      return {};
    }),

    shutdown: unary(guard, (req) => {
      // Answered first, carried out after: the reply is on its way before anything stops.
      setImmediate(() => (req.restart ? host.restart() : host.shutdown()));
      return {};
    }),
  };
}
