/**
 * A host of the fleet as the controller knows it. Liveness comes from the agent's stream:
 * `connected` while messages arrive, `stale` after one heartbeat interval and a half of silence,
 * `disconnected` after two intervals or when the stream ends. Nothing is ever stopped because a
 * host went quiet: the agent stays authoritative for its processes.
 */
import type { ProcessState } from './process-state.js';

export const HOST_LIVENESS = ['connected', 'stale', 'disconnected'] as const;
export type HostLiveness = (typeof HOST_LIVENESS)[number];

export interface HostInfo {
  name: string;
  labels: Record<string, string>;
  liveness: HostLiveness;
  agentVersion: string;
  /** Epoch ms of the last message from the agent; 0 if never seen. */
  lastSeen: number;
  /** Epoch ms when the current (or last) stream was opened. */
  connectedAt: number;
  /** Peer address of the current (or last) stream. */
  peer: string;
  /** The highest seq the controller has stored (and acked) for this host. */
  lastSeq: number;
  /** How many of the host's processes are in each state. */
  counts: Partial<Record<ProcessState, number>>;
}

/** `role=web,zone=eu-1` label selectors: every pair must match. */
export type LabelSelector = Record<string, string>;

export function matchesLabels(labels: Record<string, string>, selector: LabelSelector): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/**
 * `k=v,k2=v2` into labels: blank items are skipped, every other item needs a key. The one
 * parser for `[fleet] labels` and `--hosts`; returns null when an item has no key.
 */
export function parseLabelPairs(text: string): Record<string, string> | null {
  const labels = new Map<string, string>();
  for (const item of text.split(',')) {
    if (item.trim() === '') continue;
    const eq = item.indexOf('=');
    const key = eq === -1 ? '' : item.slice(0, eq).trim();
    if (key === '') return null;
    labels.set(key, item.slice(eq + 1).trim());
  }
  return Object.fromEntries(labels);
}

/**
 * Why `name` cannot be a host name, or null when it can. Host names appear in addresses
 * (`host/group:process`), so they may not contain what the address syntax uses: `/`, `:`,
 * `,`, glob characters (`*`, `?`, `[`), whitespace or control characters.
 */
export function hostNameProblem(name: string): string | null {
  if (name === '') return 'the host name is empty';
  if (name.length > 253) return 'the host name is longer than 253 characters';
  if (/[\s\0-\x1f\x7f/:,*?[]/u.test(name)) return `the host name ${JSON.stringify(name)} contains one of / : , * ? [ or whitespace`;
  return null;
}
