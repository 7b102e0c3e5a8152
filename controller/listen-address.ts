/**
 * Listen addresses for --listen and --http: `host:port`, `[v6]:port`, or `:port` (every
 * interface). Port 0 asks the system for a free port (tests); the ready line prints the real
 * one. Plaintext (--insecure) is allowed only on loopback.
 */
import { isIP } from 'node:net';
import { splitHostPort } from '../common/host-port.js';

export interface ListenAddress {
  /** '' for every interface. */
  host: string;
  port: number;
}

/** Parses `text`; throws an Error whose message says what is wrong. */
export function parseListenAddress(text: string): ListenAddress {
  const parts = splitHostPort(text.trim());
  if (parts === null || parts.port === null) throw new Error(`not a host:port address: ${JSON.stringify(text)} (examples: 127.0.0.1:7400, [::1]:7400, :7400)`);
  const { host, port } = parts;
  if (parts.bracketed && isIP(host) !== 6) throw new Error(`not an IPv6 address in brackets: ${JSON.stringify(text)}`);
  if (port > 65535) throw new Error(`port ${port} is above 65535 in ${JSON.stringify(text)}`);
  return { host, port };
}

/** Whether binding `address` keeps it on this machine: 127.0.0.0/8, ::1 or `localhost`. */
export function isLoopback(address: ListenAddress): boolean {
  const host = address.host.toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return /^::ffff:127\./.test(host);
}

/** `host:port` as grpc-js and node:http want it, with brackets around IPv6 hosts. */
export function formatListenAddress(address: ListenAddress): string {
  const host = address.host === '' ? '0.0.0.0' : address.host;
  return `${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
