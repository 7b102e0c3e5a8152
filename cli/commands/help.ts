import { Exit } from '../exit-codes.js';
import { pyStrip } from '../io.js';
import { JSON_HELP } from '../json.js';
import { say, type Command } from './command.js';

const HEADER = 'default commands (type help <topic>):';

/**
 * `help` lists the commands as Python's cmd module does (a header, a ruler, the names in columns
 * that fit 79 characters); `help <command>` prints the command's text. `help json` is fleetctl's
 * own topic (not listed, so the listing stays supervisorctl's).
 */
export function helpCommand(commands: {
  /** The names to list (those with a help text). */
  listed(): readonly string[];
  find(name: string): Promise<Command | undefined>;
}): Command {
  return {
    name: 'help',
    help: '',
    async run(ctx, arg) {
      const topic = pyStrip(arg);
      if (topic === 'help') {
        say(ctx, 'help\t\tPrint a list of available actions');
        say(ctx, 'help <action>\tPrint help for <action>');
        return Exit.SUCCESS;
      }
      if (topic === '') {
        const names = [...commands.listed()].sort();
        ctx.io.out(`\n${HEADER}\n${'='.repeat(HEADER.length)}\n${columnize(names, 79)}\n`);
        return Exit.SUCCESS;
      }
      if (topic === 'json') {
        ctx.io.out(JSON_HELP);
        return Exit.SUCCESS;
      }
      const command = await commands.find(topic);
      if (command && command.help !== '') ctx.io.out(command.help);
      else say(ctx, `*** No help on ${topic}`);
      return Exit.SUCCESS;
    },
  };
}

/** Python's cmd.Cmd.columnize: the fewest rows whose columns, two spaces apart, fit `width`. */
export function columnize(items: readonly string[], width: number): string {
  if (items.length === 0) return '<empty>\n';
  if (items.length === 1) return `${items[0]}\n`;
  const size = items.length;
  let rows = size;
  let widths = [0];
  for (let nrows = 1; nrows < size; nrows++) {
    const ncols = Math.ceil(size / nrows);
    const colWidths: number[] = [];
    let total = -2;
    for (let col = 0; col < ncols; col++) {
      let w = 0;
      for (let row = 0; row < nrows && row + nrows * col < size; row++) w = Math.max(w, items[row + nrows * col]!.length);
      colWidths.push(w);
      total += w + 2;
      if (total > width) break;
    }
    if (total <= width) {
      rows = nrows;
      widths = colWidths;
      break;
    }
  }
  const cols = rows === size ? 1 : Math.ceil(size / rows);
  let out = '';
  for (let row = 0; row < rows; row++) {
    const texts: string[] = [];
    for (let col = 0; col < cols; col++) texts.push(items[row + rows * col] ?? '');
    while (texts.length > 0 && texts.at(-1) === '') texts.pop();
    out += `${texts.map((t, col) => t.padEnd(widths[col]!)).join('  ')}\n`;
  }
  return out;
}
