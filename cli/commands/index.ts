/**
 * Every fleetctl command, by the name typed. A command's module is loaded when the command is
 * first run, so a one-shot `fleetctl status` loads status's code and not the other twenty
 * (start-up counts: bench:ctl). The shell's `help` lists those with a help text.
 */
import type { Command } from './command.js';

const LOADERS: ReadonlyMap<string, () => Promise<Command>> = new Map([
  ['add', async () => (await import('./add.js')).add],
  ['avail', async () => (await import('./avail.js')).avail],
  ['clear', async () => (await import('./clear.js')).clear],
  ['exit', async () => (await import('./quit.js')).exit],
  ['fg', async () => (await import('./fg.js')).fg],
  ['maintail', async () => (await import('./maintail.js')).maintail],
  ['open', async () => (await import('./open.js')).open],
  ['pid', async () => (await import('./pid.js')).pid],
  ['quit', async () => (await import('./quit.js')).quit],
  ['reload', async () => (await import('./reload.js')).reload],
  ['remove', async () => (await import('./remove.js')).remove],
  ['reread', async () => (await import('./reread.js')).reread],
  ['restart', async () => (await import('./restart.js')).restart],
  ['shutdown', async () => (await import('./shutdown.js')).shutdown],
  ['signal', async () => (await import('./signal.js')).signal],
  ['start', async () => (await import('./start.js')).start],
  ['status', async () => (await import('./status.js')).status],
  ['stop', async () => (await import('./stop.js')).stop],
  ['tail', async () => (await import('./tail.js')).tail],
  ['update', async () => (await import('./update.js')).update],
  ['version', async () => (await import('./version.js')).version],
  ['EOF', async () => (await import('./quit.js')).eof],
  ['help', async () => (await import('./help.js')).helpCommand(allCommands)],
]);

/** The command typed as `name`, or undefined when there is none. */
export async function findCommand(name: string): Promise<Command | undefined> {
  return LOADERS.get(name)?.();
}

/** Every command (loads them all). */
export function allCommands(): Promise<Command[]> {
  return Promise.all([...LOADERS.values()].map((load) => load()));
}
