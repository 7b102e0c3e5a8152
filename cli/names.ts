/**
 * Process names as supervisorctl reads them: the one place fleetctl splits a name. The rules are
 * supervisor.options.split_namespec and make_namespec:
 *
 *   `web`      the process `web` of the group `web` (a [program:web] section)
 *   `g:web`    the process `web` of the group `g` (`a:b:c` is the process `b:c` of group `a`)
 *   `g:*`, `g:` the whole group `g`
 *   `all`      every process (each command checks for it among its words)
 *
 * Glob characters are literal: supervisorctl passes `web*` to supervisord, which looks the name
 * up as written and answers `web*: ERROR (no such process)`.
 */
import type { ProcessName, ProcessTarget } from './client/agent-client.js';
import { formatNamespec } from '../common/namespec.js';

export interface Namespec {
  /** The word as the user typed it. */
  raw: string;
  group: string;
  /** null when the word names a whole group (`g:*`, `g:`). */
  process: string | null;
}

export function splitNamespec(raw: string): Namespec {
  const colon = raw.indexOf(':');
  if (colon === -1) return { raw, group: raw, process: raw };
  const group = raw.slice(0, colon);
  const process = raw.slice(colon + 1);
  return { raw, group, process: process === '' || process === '*' ? null : process };
}

/**
 * The display name: `name` when the group has the same name, else `group:name`. A missing process
 * name reads `None`, as Python formats it (`clear g:*` prints `g:None: ERROR (no such process)`).
 */
export function makeNamespec(group: string, process: string | null): string {
  return formatNamespec(group, process ?? 'None');
}

/** The display name of a process. */
export function namespecOf(p: ProcessName): string {
  return makeNamespec(p.group, p.name);
}

/** What a namespec asks the agent for: one process or one group. */
export function targetOf(spec: Namespec): ProcessTarget {
  return spec.process === null ? { group: spec.group } : { process: { group: spec.group, name: spec.process } };
}

/** The process a namespec names, or null when it names a whole group. */
export function processOf(spec: Namespec): ProcessName | null {
  return spec.process === null ? null : { group: spec.group, name: spec.process };
}
