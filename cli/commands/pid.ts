import { isFleetError } from '../../common/errors.js';
import { Exit } from '../exit-codes.js';
import { messagesWriter, writeJson } from '../json.js';
import { makeNamespec, processOf, splitNamespec } from '../names.js';
import { say, wordsWithOutput, type Command } from './command.js';

interface PidRow {
  name: string;
  group: string;
  namespec: string;
  pid: number;
}

export const pid: Command = {
  name: 'pid',
  help:
    'pid\t\t\tGet the PID of supervisord.\n' +
    'pid <name>\t\tGet the PID of a single child process by name.\n' +
    'pid all\t\t\tGet the PID of every child process, one per line.\n',
  async run(ctx, arg) {
    const flag = wordsWithOutput(ctx, arg);
    if (!flag) return Exit.INVALID_ARGS;
    const json = flag.format === 'json';
    const failed = await ctx.session.upcheck(messagesWriter(ctx.io, flag.format), ctx.signal);
    if (failed !== null) return failed;
    const client = await ctx.session.client();
    const names = flag.words;
    if (names.length === 0) {
      const state = await client.getState(ctx.signal);
      if (json) writeJson(ctx.io, { pid: state.pid });
      else say(ctx, String(state.pid));
      return Exit.SUCCESS;
    }
    const rows: PidRow[] = [];
    const errors: Array<{ name: string; error: string }> = [];
    let code: number = Exit.SUCCESS;
    const add = (row: PidRow): void => {
      rows.push(row);
      if (!json) say(ctx, String(row.pid));
    };
    if (names.includes('all')) {
      for (const info of await client.listProcesses(ctx.signal)) {
        add({ name: info.name, group: info.group, namespec: makeNamespec(info.group, info.name), pid: info.pid });
      }
    } else {
      for (const word of names) {
        const process = processOf(splitNamespec(word));
        try {
          // supervisord answers BAD_NAME for a group name (`g:*`) here; so does fleetctl, without asking.
          if (process === null) throw new BadName();
          const info = await client.getProcess(process, ctx.signal);
          add({ name: info.name, group: info.group, namespec: makeNamespec(info.group, info.name), pid: info.pid });
          if (info.pid === 0) code = Exit.NOT_RUNNING;
        } catch (err) {
          if (!(err instanceof BadName) && !isFleetError(err, 'BAD_NAME')) throw err;
          code = Exit.GENERIC;
          errors.push({ name: word, error: 'no such process' });
          if (!json) say(ctx, `No such process ${word}`);
        }
      }
    }
    if (json) writeJson(ctx.io, { processes: rows, errors });
    return code;
  },
};

class BadName extends Error {}
