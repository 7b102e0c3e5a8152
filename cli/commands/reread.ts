import { isFleetError } from '../../common/errors.js';
import { compareCodePoints } from '../../common/text-order.js';
import type { RereadResult } from '../client/agent-client.js';
import { Exit } from '../exit-codes.js';
import { messagesWriter, writeJson } from '../json.js';
import { say, wordsWithOutput, usageError, type Command } from './command.js';

/** supervisorctl's _formatChanges: `name: available|changed|disappeared`, sorted by name. */
export function changeLines(changes: RereadResult): string[] {
  const byName = new Map<string, string>();
  for (const name of changes.added) byName.set(name, 'available');
  for (const name of changes.changed) byName.set(name, 'changed');
  for (const name of changes.removed) byName.set(name, 'disappeared');
  if (byName.size === 0) return ['No config updates to processes'];
  return [...byName.keys()].sort(compareCodePoints).map((name) => `${name}: ${byName.get(name)}`);
}

export const reread: Command = {
  name: 'reread',
  help: "reread \t\t\tReload the daemon's configuration files without add/remove\n",
  async run(ctx, arg) {
    const flag = wordsWithOutput(ctx, arg);
    if (!flag) return Exit.INVALID_ARGS;
    const messages = { io: messagesWriter(ctx.io, flag.format) };
    if (flag.words.length > 0) {
      usageError(messages, 'Error: reread accepts no arguments', this.help);
      return Exit.GENERIC;
    }
    let changes: RereadResult;
    try {
      changes = await (await ctx.session.client()).reread(ctx.signal);
    } catch (err) {
      if (isFleetError(err, 'SHUTDOWN_STATE')) say(messages, 'ERROR: supervisor shutting down');
      else if (isFleetError(err, 'CANT_REREAD')) say(messages, `ERROR: ${err.faultString}`);
      else throw err;
      return Exit.GENERIC;
    }
    if (flag.format === 'json') {
      const sorted = (names: string[]): string[] => [...names].sort(compareCodePoints);
      writeJson(ctx.io, { added: sorted(changes.added), changed: sorted(changes.changed), removed: sorted(changes.removed) });
    } else {
      for (const line of changeLines(changes)) say(ctx, line);
    }
    return Exit.SUCCESS;
  },
};
