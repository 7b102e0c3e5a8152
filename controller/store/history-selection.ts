/**
 * A history selection (store.ts) resolved against the hosts a store knows: for each reached host,
 * which processes (group and process globs) of it, or all of them. Shared by every store, so the
 * rules of `host/` globs and scope hosts live in one place.
 */
import { fnmatchToRegExp, hasMagic } from '../../common/glob.js';
import type { HistorySelection } from './store.js';

export interface ProcessPattern {
  /** fnmatch globs. */
  group: string;
  process: string;
}

export interface HostSelection {
  host: string;
  /** null: every process of the host. */
  patterns: ProcessPattern[] | null;
}

/**
 * The hosts a selection reaches (each once, in the order of `knownHosts`), or null when it
 * selects everything. Hosts the store does not know are left out.
 */
export function resolveSelection(select: HistorySelection | undefined, knownHosts: readonly string[]): HostSelection[] | null {
  if (!select) return null;
  const reached = new Map<string, ProcessPattern[] | null>();
  if ('hosts' in select) {
    for (const host of select.hosts) reached.set(host, null);
  } else {
    const scope = new Set(select.scopeHosts);
    for (const address of select.addresses) {
      const glob = address.host;
      const matches = glob === null ? (h: string) => scope.has(h) : hasMagic(glob) ? globTester(glob) : (h: string) => h === glob;
      const everything = address.group === '*' && address.process === '*';
      for (const host of knownHosts) {
        if (!matches(host)) continue;
        const patterns = reached.has(host) ? reached.get(host)! : [];
        if (patterns === null) continue;
        if (everything) reached.set(host, null);
        else reached.set(host, [...patterns, { group: address.group, process: address.process }]);
      }
    }
  }
  return knownHosts.filter((h) => reached.has(h)).map((host) => ({ host, patterns: reached.get(host)! }));
}

function globTester(glob: string): (host: string) => boolean {
  const re = fnmatchToRegExp(glob);
  return (host) => re.test(host);
}
