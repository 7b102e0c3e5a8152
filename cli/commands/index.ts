/**
 * Every fleetctl command, by the name typed. A command's module is loaded when the command is
 * first run, so a one-shot `fleetctl status` loads status's code and not the other twenty
 * (start-up counts: bench:ctl). The shell's `help` lists those with a help text, from this
 * table, so that it loads none of them.
 */
import type { Command } from './command.js';

/** How to load a command, and whether `help` lists it (it has a help text; EOF and help do not). */
interface Entry {
  load(): Promise<Command>;
  listed: boolean;
}

const listed = (load: () => Promise<Command>): Entry => ({ load, listed: true });
const unlisted = (load: () => Promise<Command>): Entry => ({ load, listed: false });

const COMMANDS: ReadonlyMap<string, Entry> = new Map([
  ['add', listed(async () => (await import('./add.js')).add)],
  ['avail', listed(async () => (await import('./avail.js')).avail)],
  ['clear', listed(async () => (await import('./clear.js')).clear)],
  ['exit', listed(async () => (await import('./quit.js')).exit)],
  ['fg', listed(async () => (await import('./fg.js')).fg)],
  ['maintail', listed(async () => (await import('./maintail.js')).maintail)],
  ['open', listed(async () => (await import('./open.js')).open)],
  ['pid', listed(async () => (await import('./pid.js')).pid)],
  ['quit', listed(async () => (await import('./quit.js')).quit)],
  ['reload', listed(async () => (await import('./reload.js')).reload)],
  ['remove', listed(async () => (await import('./remove.js')).remove)],
  ['reread', listed(async () => (await import('./reread.js')).reread)],
  ['restart', listed(async () => (await import('./restart.js')).restart)],
  ['shutdown', listed(async () => (await import('./shutdown.js')).shutdown)],
  ['signal', listed(async () => (await import('./signal.js')).signal)],
  ['start', listed(async () => (await import('./start.js')).start)],
  ['status', listed(async () => (await import('./status.js')).status)],
  ['stop', listed(async () => (await import('./stop.js')).stop)],
  ['tail', listed(async () => (await import('./tail.js')).tail)],
  ['update', listed(async () => (await import('./update.js')).update)],
  ['version', listed(async () => (await import('./version.js')).version)],
  ['EOF', unlisted(async () => (await import('./quit.js')).eof)],
  ['help', unlisted(async () => (await import('./help.js')).helpCommand({ listed: listedCommandNames, find: findCommand }))],
]);

/** The command typed as `name`, or undefined when there is none. */
export async function findCommand(name: string): Promise<Command | undefined> {
  return COMMANDS.get(name)?.load();
}

/** The names `help` lists, without loading any command. */
export function listedCommandNames(): string[] {
  return [...COMMANDS].filter(([, entry]) => entry.listed).map(([name]) => name);
}

/** Every command (loads them all). */
export function allCommands(): Promise<Command[]> {
  return Promise.all([...COMMANDS.values()].map((entry) => entry.load()));
}
