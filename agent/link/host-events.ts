/**
 * The engine's events as the fleet's history records them: a `transition` carries what the
 * edge left on the process (common/process-info.ts' TransitionDetail), an `exited` its status or signal and whether it was expected.
 * Spawns are not history (the transition to STARTING tells it).
 */
import { transitionDetailOf, type ProcessInfo } from '../../common/process-info.js';
import type { EngineEvent } from '../process/events.js';
import type { NewEvent } from './link-event.js';

/** The engine's current view of one process; null when it does not know it (any more). */
export type InfoLookup = (group: string, name: string) => ProcessInfo | null;

/**
 * Converts one engine event, or returns null for those that are not history. Called from the
 * engine's event sink, synchronously, so `info` sees the process as the edge left it. An exit
 * counts as expected when its status is in exitcodes or the process was being stopped (a
 * requested stop), as the proto says.
 */
export function toHostEvent(event: EngineEvent, info: InfoLookup): NewEvent | null {
  switch (event.type) {
    case 'transition': {
      const now = info(event.group, event.name);
      return {
        kind: 'transition',
        time: event.time,
        group: event.group,
        name: event.name,
        from: event.from,
        to: event.to,
        pid: event.pid,
        detail: now === null ? null : transitionDetailOf(now),
      };
    }
    case 'exited': {
      const { status } = event;
      const stopping = info(event.group, event.name)?.statename === 'STOPPING';
      return {
        kind: 'exit',
        time: event.time,
        group: event.group,
        name: event.name,
        pid: event.pid,
        exitStatus: status.signal === null ? status.code : null,
        signal: status.signal,
        expected: event.expected || stopping,
      };
    }
    default:
      return null;
  }
}
