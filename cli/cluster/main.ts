/**
 * fleetctl in cluster mode (--controller or FLEET_CONTROLLER): one command given on the command
 * line, or a shell that starts with `status`, both run by the ClusterRunner. Ctrl-C ends a
 * following command (logs -f, events, status --watch) cleanly; anything else is cut short. A
 * one-shot command loads neither the shell nor node:readline.
 */
import { processWriter } from '../io.js';
import type { ClusterOptions, CtlOptions } from '../options.js';
import { ClusterRunner } from './cluster-runner.js';
import { ClusterSession } from './cluster-session.js';

/** The exit code of a process ended by SIGINT, for a one-shot command that cannot stop cleanly. */
const INTERRUPTED = 130;

export async function runCluster(options: CtlOptions, cluster: ClusterOptions): Promise<number> {
  const session = new ClusterSession({ ...cluster, output: options.output });
  const runner = new ClusterRunner(session, processWriter, { tty: process.stdout.isTTY === true });
  let onInterrupt = (): void => {};
  process.on('SIGINT', () => onInterrupt());
  try {
    if (options.args.length > 0) {
      onInterrupt = () => {
        if (!runner.interrupt()) process.exit(INTERRUPTED);
      };
      return (await runner.runWords(options.args)).code;
    }
    const [{ Shell }, { Terminal }] = await Promise.all([import('../shell.js'), import('../terminal.js')]);
    const terminal = new Terminal({ historyFile: options.historyFile, onInterrupt: () => onInterrupt() });
    try {
      const shell = new Shell(runner, terminal, `${options.prompt}> `);
      onInterrupt = () => shell.interrupt();
      return await shell.run();
    } finally {
      terminal.close();
    }
  } finally {
    session.close();
  }
}
