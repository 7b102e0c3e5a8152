// fleet-controller: the fleet's control plane (gRPC for agents and fleetctl, HTTP for the dashboard).
import { join } from 'node:path';
import { VERSION } from '../common/version.js';
import { routeGrpcLogs } from './grpc/grpc-server.js';
import { createControllerLog } from './log.js';
import { parseControllerArgs } from './options.js';
import { startController } from './run.js';

const PROG = 'fleet-controller';

async function main(): Promise<number> {
  if (process.argv[2] === 'bootstrap') {
    const { bootstrapCommand } = await import('./bootstrap-command.js');
    const outcome = await bootstrapCommand(process.argv.slice(3), PROG);
    process.stdout.write(outcome.stdout);
    process.stderr.write(outcome.stderr);
    return outcome.code;
  }
  if (process.argv[2] === 'ca-fingerprint') {
    const { caFingerprintCommand } = await import('./pki/ca-fingerprint-command.js');
    const outcome = caFingerprintCommand(process.argv.slice(3), PROG);
    process.stdout.write(outcome.stdout);
    process.stderr.write(outcome.stderr);
    return outcome.code;
  }
  const parsed = parseControllerArgs(process.argv.slice(2), PROG);
  if (parsed.kind === 'exit') {
    process.stdout.write(parsed.stdout);
    process.stderr.write(parsed.stderr);
    return parsed.code;
  }
  const { options } = parsed;
  const log = createControllerLog(process.stderr);
  routeGrpcLogs(log);
  let controller;
  // What ends the run: a signal, or the controller's own fatal error (then the exit status is 1,
  // for systemd's Restart=on-failure).
  let fatal: (() => void) | null = null;
  const failed = new Promise<'fatal'>((resolve) => (fatal = () => resolve('fatal')));
  try {
    controller = await startController({
      listen: options.listen,
      http: options.http,
      dataDir: options.dataDir,
      heartbeatMs: options.heartbeatMs,
      log,
      onFatal: () => fatal?.(),
      ...(options.insecure ? {} : { auth: {}, tls: { certTtlMs: options.certTtlMs, extraNames: options.extraNames } }),
    });
  } catch (err) {
    process.stderr.write(`Error: ${(err as Error).message}\n`);
    return 1;
  }
  const mode = options.insecure ? 'insecure: plaintext, no authentication' : 'secure: TLS, client certificates and API tokens';
  if (controller.ca) {
    process.stdout.write(`CA fingerprint: ${controller.ca.fingerprint}${controller.ca.created ? ` (new CA in ${join(options.dataDir, 'pki')})` : ''}\n`);
  }
  process.stdout.write(
    `${PROG} ${VERSION} ready: gRPC ${controller.grpcAddress} (${mode}), HTTP ${controller.httpUrl}, data ${controller.databasePath}\n`,
  );
  const reason = await Promise.race([
    failed,
    new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    }),
  ]);
  log.info(reason === 'fatal' ? 'cannot go on: closing' : `${reason} received: closing`);
  // A second signal while closing exits at once.
  const force = (): void => process.exit(1);
  process.once('SIGTERM', force);
  process.once('SIGINT', force);
  await controller.close();
  log.info('closed');
  return reason === 'fatal' ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`Error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
