/** Every fleetctl command, by the name typed. The shell's `help` lists those with a help text. */
import type { Command } from './command.js';
import { add } from './add.js';
import { avail } from './avail.js';
import { clear } from './clear.js';
import { fg } from './fg.js';
import { helpCommand } from './help.js';
import { maintail } from './maintail.js';
import { open } from './open.js';
import { pid } from './pid.js';
import { eof, exit, quit } from './quit.js';
import { reload } from './reload.js';
import { remove } from './remove.js';
import { reread } from './reread.js';
import { restart } from './restart.js';
import { shutdown } from './shutdown.js';
import { signal } from './signal.js';
import { start } from './start.js';
import { status } from './status.js';
import { stop } from './stop.js';
import { tail } from './tail.js';
import { update } from './update.js';
import { version } from './version.js';

export const COMMANDS: readonly Command[] = [
  add, avail, clear, exit, fg, maintail, open, pid, quit, reload, remove, reread, restart,
  shutdown, signal, start, status, stop, tail, update, version, eof,
  helpCommand(() => COMMANDS),
];

const BY_NAME = new Map(COMMANDS.map((c) => [c.name, c]));

export function findCommand(name: string): Command | undefined {
  return BY_NAME.get(name);
}
