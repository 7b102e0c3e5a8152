/**
 * The controller's commands, carried out with the engine calls the local control API makes
 * (agent/control/control-service.ts), so a process gets the same outcome whether fleetctl asked
 * the agent or the controller did. The wire form is converted in link-proto.ts.
 *
 * A command runs to its end even if the stream that brought it goes away: a restart cut in
 * half would leave a process stopped because the controller was lost. Only the agent's own
 * shutdown (`signal`) cuts waits short.
 */
import { FleetError, isFleetError, type ErrorCode } from '../../common/errors.js';
import type { GroupUpdate } from '../../common/group-update.js';
import type { ProcessResult } from '../../common/process-info.js';
import { ConfigValueError } from '../config/errors.js';
import type { ConfigResult, SignalName } from '../config/types.js';
import { parseSignal } from '../config/values.js';
import { applyUpdate, diffGroups, rereadConfig } from '../engine/reread-update.js';
import type { ProcessRef, RestartResults, Supervisor } from '../engine/supervisor.js';
import { selectProcesses, type ProcessSelector } from './selection.js';

export type LinkCommand =
  | { kind: 'start' | 'stop' | 'restart'; selectors: ProcessSelector[]; wait: boolean }
  | { kind: 'signal'; selectors: ProcessSelector[]; signal: string }
  | { kind: 'reread' }
  | { kind: 'update'; groups: string[] };

export type CommandOutcome =
  | { kind: 'processes'; results: ProcessResult[] }
  | { kind: 'reread'; added: string[]; changed: string[]; removed: string[] }
  | { kind: 'update'; updates: GroupUpdate[] }
  /** The command failed as a whole (BAD_SIGNAL, SHUTDOWN_STATE, CANT_REREAD...). */
  | { kind: 'fault'; code: ErrorCode; message: string };

/** What commands need from the agent: the engine of the moment (a reload replaces it), its state, the config read again. */
export interface CommandHost {
  engine(): Supervisor;
  /** Commands are refused with SHUTDOWN_STATE unless RUNNING, as local calls are. */
  state(): 'RUNNING' | 'RESTARTING' | 'SHUTDOWN';
  loadConfig(): ConfigResult;
}

/** Carries out one command. Never rejects: every failure is an outcome. */
export async function runCommand(command: LinkCommand, host: CommandHost, signal: AbortSignal): Promise<CommandOutcome> {
  try {
    if (host.state() !== 'RUNNING') throw new FleetError('SHUTDOWN_STATE', '');
    return await dispatch(command, host, host.engine(), signal);
  } catch (err) {
    if (isFleetError(err)) return { kind: 'fault', code: err.code, message: err.message };
    return { kind: 'fault', code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
  }
}

async function dispatch(command: LinkCommand, host: CommandHost, engine: Supervisor, signal: AbortSignal): Promise<CommandOutcome> {
  switch (command.kind) {
    case 'start':
    case 'stop':
    case 'restart': {
      const options = { wait: command.wait, signal };
      const { named, bulk } = selectProcesses(command.selectors);
      const one = {
        start: (ref: ProcessRef) => engine.startProcess(ref, options),
        stop: (ref: ProcessRef) => engine.stopProcess(ref, options),
        restart: (ref: ProcessRef) => engine.restartProcess(ref, options),
      }[command.kind];
      const many = {
        start: () => engine.startAll({ ...options, only: bulk! }),
        stop: () => engine.stopAll({ ...options, only: bulk! }),
        restart: async () => oneResultPerProcess(await engine.restartAll({ ...options, only: bulk! })),
      }[command.kind];
      return processes(named.map((ref) => outcomeOf(ref, () => one(ref))), bulk ? many() : null);
    }
    case 'signal': {
      const sig = signalNamed(command.signal);
      const { named, bulk } = selectProcesses(command.selectors);
      return processes(
        named.map((ref) => outcomeOf(ref, () => engine.signalProcess(ref, sig))),
        bulk ? engine.signalAll(sig, bulk) : null,
      );
    }
    case 'reread': {
      const diff = diffGroups(engine.groupConfigs(), rereadConfig(() => host.loadConfig()).groups);
      return { kind: 'reread', added: diff.added.map((g) => g.name), changed: diff.changed.map((g) => g.name), removed: diff.removed };
    }
    case 'update':
      return { kind: 'update', updates: await applyUpdate(engine, rereadConfig(() => host.loadConfig()), command.groups, signal) };
  }
}

async function processes(named: Promise<ProcessResult>[], bulk: Promise<ProcessResult[]> | null): Promise<CommandOutcome> {
  const [one, many] = await Promise.all([Promise.all(named), bulk ?? []]);
  return { kind: 'processes', results: [...one, ...many] };
}

/** A single-process call's outcome as a result, as fleetctl turns the call's fault into one. */
async function outcomeOf(ref: ProcessRef, call: () => void | Promise<void>): Promise<ProcessResult> {
  try {
    await call();
    return { group: ref.group, name: ref.name, code: 'SUCCESS', description: 'OK' };
  } catch (err) {
    if (!isFleetError(err)) throw err;
    return { group: ref.group, name: ref.name, code: err.code, description: err.faultString };
  }
}

/**
 * restartAll's stop and start results as one per process, as restartProcess gives for a named
 * one: a failed stop is the outcome (the start that follows cannot succeed), else the start's.
 */
function oneResultPerProcess({ stopped, started }: RestartResults): ProcessResult[] {
  const failed = stopped.filter((r) => r.code !== 'SUCCESS');
  const seen = new Set(failed.map((r) => `${r.group}:${r.name}`));
  return [...failed, ...started.filter((r) => !seen.has(`${r.group}:${r.name}`))];
}

/** BAD_SIGNAL for a name or number the agent does not know, as signalProcesses answers. */
function signalNamed(text: string): SignalName {
  try {
    return parseSignal(text);
  } catch (err) {
    if (err instanceof ConfigValueError) throw new FleetError('BAD_SIGNAL', text);
    throw err;
  }
}
