/**
 * What the controller's server certificate names besides `fleet-controller` (the one name
 * clients check): localhost, this machine's host name, the listen address (every interface's
 * address when it listens on all of them) and the operator's --san extras. They only matter
 * to other TLS clients (curl, grpcurl) pointed at one of those names.
 */
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import type { ListenAddress } from '../listen-address.js';
import type { ServerNames } from './certificate-authority.js';

export function serverNames(listen: ListenAddress, extras: readonly string[] = []): ServerNames {
  const dns = new Set<string>(['localhost', hostname()]);
  const ips = new Set<string>(['127.0.0.1', '::1']);
  const add = (name: string): void => void (isIP(name) ? ips.add(name) : dns.add(name.toLowerCase()));
  if (listen.host === '' || listen.host === '0.0.0.0' || listen.host === '::') {
    for (const addresses of Object.values(networkInterfaces())) for (const a of addresses ?? []) if (!a.address.includes('%')) ips.add(a.address);
  } else add(listen.host);
  for (const extra of extras) if (extra !== '' && extra !== '0.0.0.0' && extra !== '::') add(extra);
  return { dns: [...dns].filter((n) => n !== ''), ips: [...ips] };
}
