// fleetctl: supervisorctl for fleet-agent. `fleetctl [options] [action [arguments]]` runs one
// action and exits with its code; with no action it opens the shell. See `fleetctl -h`. With
// --controller (or FLEET_CONTROLLER) it acts through fleet-controller instead (cli/cluster/).
import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import { Controller } from './controller.js';
import { processWriter } from './io.js';
import { parseCtlArgs } from './options.js';
import { Session } from './session.js';
import { Shell } from './shell.js';
import { Terminal } from './terminal.js';

const PROG = 'fleetctl';
/** The exit code of a process ended by SIGINT, for a one-shot command that cannot stop cleanly. */
const INTERRUPTED = 130;

async function main(): Promise<number> {
  const parsed = parseCtlArgs(process.argv.slice(2), {
    progname: PROG,
    cwd: process.cwd(),
    exeDir: dirname(realpathSync(process.argv[1] ?? '.')),
    env: process.env,
    home: process.env.HOME ?? homedir(),
  });
  if (parsed.kind === 'exit') {
    process.stdout.write(parsed.stdout);
    process.stderr.write(parsed.stderr);
    return parsed.code;
  }
  const { options } = parsed;
  if (options.cluster !== null) return (await import('./cluster/main.js')).runCluster(options, options.cluster);
  const session = new Session(options);
  let onInterrupt = (): void => {};
  const terminal = new Terminal({ historyFile: options.historyFile, onInterrupt: () => onInterrupt() });
  const controller = new Controller(session, processWriter, terminal);
  process.on('SIGINT', () => onInterrupt());
  try {
    if (options.args.length > 0) {
      onInterrupt = () => {
        if (!controller.interrupt()) process.exit(INTERRUPTED);
      };
      return (await controller.onecmd(options.args.join(' '))).code;
    }
    const shell = new Shell(controller, terminal, `${options.prompt}> `);
    onInterrupt = () => shell.interrupt();
    return await shell.run();
  } finally {
    terminal.close();
    session.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`fleetctl: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
