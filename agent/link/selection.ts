/**
 * ProcessSelectors (group and process globs from the controller) against the engine's
 * processes, split the way fleetctl's words are: a selector without wildcards names one
 * process, and that process gets the single-process call with its faults (`web: ERROR (already
 * started)`, BAD_NAME for an unknown name); every other selector is a bulk call over what it
 * matches, which skips processes the operation does not apply to, as `start web:*` and
 * `start all` do. A process matched by several selectors is acted on once; a name wins over a glob.
 */
import { AddressMatcher } from '../../common/address.js';
import { hasMagic } from '../../common/glob.js';
import type { ProcessRef } from '../engine/supervisor.js';

export interface ProcessSelector {
  group: string;
  process: string;
}

export interface Selection {
  /** Selectors without wildcards, once each, in the order given. */
  named: ProcessRef[];
  /** Which processes the bulk call may touch; null when no selector has a wildcard. */
  bulk: ((ref: ProcessRef) => boolean) | null;
}

const key = (ref: ProcessRef): string => `${ref.group}:${ref.name}`;

export function selectProcesses(selectors: readonly ProcessSelector[]): Selection {
  const named = new Map<string, ProcessRef>();
  const matchers: AddressMatcher[] = [];
  for (const s of selectors) {
    if (!hasMagic(s.group) && !hasMagic(s.process)) named.set(key({ group: s.group, name: s.process }), { group: s.group, name: s.process });
    else matchers.push(new AddressMatcher({ text: `${s.group}:${s.process}`, host: null, group: s.group, process: s.process }));
  }
  const bulk =
    matchers.length === 0 ? null : (ref: ProcessRef) => !named.has(key(ref)) && matchers.some((m) => m.matchesProcess(ref.group, ref.name));
  return { named: [...named.values()], bulk };
}
