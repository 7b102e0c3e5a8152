import { Exit } from '../../exit-codes.js';
import type { ClusterCommand } from './command.js';

function ending(name: string, help: string): ClusterCommand {
  return { name, synopsis: '', summary: '', help, flags: [], endsShell: true, run: async () => Exit.SUCCESS };
}

export const quit = ending('quit', 'quit\tExit the fleetctl shell.\n');
export const exit = ending('exit', 'exit\tExit the fleetctl shell.\n');
export const eof = ending('EOF', '');
