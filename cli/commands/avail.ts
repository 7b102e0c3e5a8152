import { isFleetError } from '../../common/errors.js';
import type { ProcessConfigSummary } from '../client/agent-client.js';
import { Exit } from '../exit-codes.js';
import { messagesWriter, writeJson } from '../json.js';
import { makeNamespec } from '../names.js';
import { say, wordsWithOutput, usageError, type Command } from './command.js';
import { ljust } from './status.js';

/** supervisorctl's _formatConfigInfo: `%-32s %-9s %-9s %s`. */
export function availLine(c: ProcessConfigSummary): string {
  return [
    ljust(makeNamespec(c.group, c.name), 32),
    ljust(c.inUse ? 'in use' : 'avail', 9),
    ljust(c.autostart ? 'auto' : 'manual', 9),
    `${c.groupPriority}:${c.processPriority}`,
  ].join(' ');
}

export const avail: Command = {
  name: 'avail',
  help: 'avail\t\t\tDisplay all configured processes\n',
  async run(ctx, arg) {
    const flag = wordsWithOutput(ctx, arg);
    if (!flag) return Exit.INVALID_ARGS;
    const messages = messagesWriter(ctx.io, flag.format);
    if (flag.words.length > 0) {
      usageError({ io: messages }, 'Error: avail accepts no arguments', this.help);
      return Exit.GENERIC;
    }
    let configs: ProcessConfigSummary[];
    try {
      configs = await (await ctx.session.client()).listConfigs(ctx.signal);
    } catch (err) {
      if (!isFleetError(err, 'SHUTDOWN_STATE')) throw err;
      say({ io: messages }, 'ERROR: supervisor shutting down');
      return Exit.GENERIC;
    }
    if (flag.format === 'json') {
      writeJson(ctx.io, {
        processes: configs.map((c) => ({
          name: c.name,
          group: c.group,
          namespec: makeNamespec(c.group, c.name),
          in_use: c.inUse,
          autostart: c.autostart,
          group_priority: c.groupPriority,
          process_priority: c.processPriority,
        })),
      });
    } else {
      for (const c of configs) say(ctx, availLine(c));
    }
    return Exit.SUCCESS;
  },
};
