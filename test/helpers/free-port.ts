import { createServer, type AddressInfo } from 'node:net';

/**
 * A loopback port that was free a moment ago (listen on 0, close), for a process that must be
 * restarted on the same address or named in a config before it starts.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise((ok) => server.close(ok));
  return port;
}
