/**
 * A TCP relay for the network-namespace tests: `node tcp-relay.js LISTEN_HOST LISTEN_PORT
 * TARGET_HOST TARGET_PORT`. It runs inside the controller's namespace and forwards the bridge
 * address to a controller that, in insecure mode, may bind loopback only; the hosts' links stay
 * real network links that a test can cut. Prints `relay ready` once listening.
 */
import { connect, createServer } from 'node:net';

const [listenHost, listenPort, targetHost, targetPort] = process.argv.slice(2);
if (!listenHost || !listenPort || !targetHost || !targetPort) {
  process.stderr.write('usage: tcp-relay LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT\n');
  process.exit(2);
}

const server = createServer((inbound) => {
  const outbound = connect(Number(targetPort), targetHost);
  inbound.pipe(outbound).pipe(inbound);
  const end = (): void => {
    inbound.destroy();
    outbound.destroy();
  };
  inbound.on('error', end).on('close', end);
  outbound.on('error', end).on('close', end);
});
server.listen(Number(listenPort), listenHost, () => process.stdout.write('relay ready\n'));
process.on('SIGTERM', () => process.exit(0));
