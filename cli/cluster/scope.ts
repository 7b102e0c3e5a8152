/**
 * Host scope in cluster mode, like a kubectl namespace (DESIGN.md, Addresses): an address
 * without `host/` acts on the current host (`--host H`, FLEET_HOST, else the local hostname),
 * on every host with `-A/--all-hosts`, or on the hosts whose labels match `--hosts k=v,...`.
 * An explicit `host/` in an address overrides the scope (the controller applies that rule).
 * Scope flags may come before the action (for every command of a shell) or after it; the
 * command's own win.
 */
import type { HostScope } from '../../common/address.js';
import { parseLabelPairs, type LabelSelector } from '../../common/host.js';

/** The scope flags of one command line part; at most one may be set. */
export interface ScopeFlags {
  host?: string;
  allHosts?: boolean;
  labels?: LabelSelector;
}

export const SCOPE_CONFLICT = 'give only one of -A/--all-hosts, --host HOST and --hosts KEY=VALUE: each chooses the hosts';

/** Whether any scope flag is set. */
export function hasScope(flags: ScopeFlags): boolean {
  return flags.host !== undefined || flags.allHosts === true || flags.labels !== undefined;
}

/** The command's flags when it has any, else the global ones. */
export function mergeScope(global: ScopeFlags, command: ScopeFlags): ScopeFlags {
  return hasScope(command) ? command : global;
}

/** The scope the flags give, or an Error when they conflict. */
export function scopeOf(flags: ScopeFlags, defaultHost: string): HostScope | Error {
  const set = [flags.host !== undefined, flags.allHosts === true, flags.labels !== undefined].filter(Boolean).length;
  if (set > 1) return new Error(SCOPE_CONFLICT);
  if (flags.allHosts) return { kind: 'all' };
  if (flags.labels) return { kind: 'labels', selector: flags.labels };
  return { kind: 'host', host: flags.host ?? defaultHost };
}

/** `--hosts role=web,zone=eu-1`: at least one pair, each with a key (common/host.ts parses). */
export function parseLabelSelector(text: string): LabelSelector | Error {
  const labels = parseLabelPairs(text);
  if (labels === null || Object.keys(labels).length === 0) {
    return new Error(`bad label selector ${JSON.stringify(text)}: give KEY=VALUE pairs separated by commas, as in --hosts role=web,zone=eu-1`);
  }
  return labels;
}

/** The scope in words, for messages: `host web-1`, `every host`, `the hosts with role=web`. */
export function describeScope(scope: HostScope): string {
  switch (scope.kind) {
    case 'host':
      return `host ${scope.host}`;
    case 'all':
      return 'every host';
    case 'labels':
      return `the hosts with ${formatLabels(scope.selector)}`;
  }
}

/** `role=web,zone=eu-1`, keys sorted. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}
