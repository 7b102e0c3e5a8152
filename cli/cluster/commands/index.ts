/**
 * The cluster commands by the name typed, each module loaded on first use (a one-shot
 * `fleetctl status -A` loads status's code and not the others').
 */
import type { ClusterCommand } from './command.js';

const LOADERS: ReadonlyMap<string, () => Promise<ClusterCommand>> = new Map([
  ['status', async () => (await import('./status.js')).status],
  ['hosts', async () => (await import('./hosts.js')).hosts],
  ['start', async () => (await import('./control.js')).start],
  ['stop', async () => (await import('./control.js')).stop],
  ['restart', async () => (await import('./control.js')).restart],
  ['signal', async () => (await import('./control.js')).signal],
  ['logs', async () => (await import('./logs.js')).logs],
  ['history', async () => (await import('./history.js')).history],
  ['events', async () => (await import('./events.js')).events],
  ['reread', async () => (await import('./reread.js')).reread],
  ['update', async () => (await import('./update.js')).update],
  ['token', async () => (await import('./token.js')).token],
  ['audit', async () => (await import('./audit.js')).audit],
  ['quit', async () => (await import('./quit.js')).quit],
  ['exit', async () => (await import('./quit.js')).exit],
  ['EOF', async () => (await import('./quit.js')).eof],
  ['help', async () => (await import('./help.js')).clusterHelp(allClusterCommands, findClusterCommand)],
]);

export async function findClusterCommand(name: string): Promise<ClusterCommand | undefined> {
  return LOADERS.get(name)?.();
}

/** Every command, in the order `help` lists them (loads them all). */
export function allClusterCommands(): Promise<ClusterCommand[]> {
  return Promise.all([...LOADERS.values()].map((load) => load()));
}
