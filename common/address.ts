/**
 * Fleet addresses, `[host/]group:process`, each part a glob (`*`, `?`, `[..]`): the one parser,
 * used by fleetctl to check what it sends and by the controller to select what a call touches.
 *
 *   name           group = process = name (supervisorctl's rule for a bare name)
 *   group: group:* the whole group
 *   all            everything in scope
 *   host/ADDR      ADDR on the hosts matching `host`, whatever the scope says
 *
 * Host scope works like a kubectl namespace: an address without `host/` acts on the scope's
 * hosts, which are the current host, every host (`-A`), or the hosts matching a label selector.
 */
import { FleetError } from './errors.js';
import { fnmatchToRegExp } from './glob.js';
import { formatNamespec } from './namespec.js';
import { matchesLabels, type LabelSelector } from './host.js';

export interface Address {
  /** The text as given. */
  readonly text: string;
  /** Host glob, or null when the address leaves the host to the scope. */
  readonly host: string | null;
  readonly group: string;
  readonly process: string;
}

/** Which hosts an address without `host/` reaches. */
export type HostScope =
  | { kind: 'host'; host: string }
  | { kind: 'all' }
  | { kind: 'labels'; selector: LabelSelector };

const FORBIDDEN = /[\s\0-\x1f\x7f,]/u;

/** Parses one address; BAD_ADDRESS saying what is wrong and with which text. */
export function parseAddress(text: string): Address {
  const fail = (why: string): never => {
    throw new FleetError('BAD_ADDRESS', `bad address ${JSON.stringify(text)}: ${why}`);
  };
  if (text === '') fail('it is empty');
  if (FORBIDDEN.test(text)) fail('whitespace, commas and control characters are not allowed');
  let host: string | null = null;
  let rest = text;
  const slash = text.indexOf('/');
  if (slash !== -1) {
    host = text.slice(0, slash);
    rest = text.slice(slash + 1);
    if (host === '') fail('the host before "/" is empty');
    if (rest.includes('/')) fail('only one "/" may separate the host from the process');
    if (host.includes(':')) fail('the host part may not contain ":"');
    if (rest === '') rest = 'all';
  }
  if (rest === 'all') return { text, host, group: '*', process: '*' };
  const colon = rest.indexOf(':');
  if (colon === -1) return { text, host, group: rest, process: rest };
  const group = rest.slice(0, colon);
  const process = rest.slice(colon + 1);
  if (group === '') fail('the group before ":" is empty');
  if (process.includes(':')) fail('only one ":" may separate the group from the process');
  return { text, host, group, process: process === '' ? '*' : process };
}

/** Parses every address, reporting all bad ones in one BAD_ADDRESS. An empty list means `all`. */
export function parseAddresses(texts: readonly string[]): Address[] {
  if (texts.length === 0) return [parseAddress('all')];
  const bad: string[] = [];
  const parsed: Address[] = [];
  for (const text of texts) {
    try {
      parsed.push(parseAddress(text));
    } catch (err) {
      bad.push((err as Error).message);
    }
  }
  if (bad.length > 0) throw new FleetError('BAD_ADDRESS', bad.join('; '));
  return parsed;
}

/** A compiled address: matching without recompiling globs for every process. */
export class AddressMatcher {
  private readonly host: RegExp | null;
  private readonly group: RegExp;
  private readonly process: RegExp;

  constructor(readonly address: Address) {
    this.host = address.host === null ? null : fnmatchToRegExp(address.host);
    this.group = fnmatchToRegExp(address.group);
    this.process = fnmatchToRegExp(address.process);
  }

  /** Whether the address reaches `host` (with its labels) under `scope`. */
  matchesHost(host: string, labels: Record<string, string>, scope: HostScope): boolean {
    if (this.host !== null) return this.host.test(host);
    switch (scope.kind) {
      case 'host':
        return scope.host === host;
      case 'all':
        return true;
      case 'labels':
        return matchesLabels(labels, scope.selector);
    }
  }

  matchesProcess(group: string, name: string): boolean {
    return this.group.test(group) && this.process.test(name);
  }

  /** Whether the host part (or the scope's host) names exactly one host, without globs. */
  get literalHost(): string | null {
    const host = this.address.host;
    return host !== null && !/[*?[]/.test(host) ? host : null;
  }
}

/** `host/group:name`, or `host/name` when the process is alone in its group (namespec rule). */
export function formatAddress(host: string, group: string, name: string): string {
  return `${host}/${formatNamespec(group, name)}`;
}
