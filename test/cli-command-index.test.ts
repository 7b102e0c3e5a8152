/**
 * cli/commands/index.ts loads each command on first use and lists the help topics from its own
 * table; this guards against that table and the commands' help texts drifting apart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allCommands, findCommand, listedCommandNames } from '../cli/commands/index.js';

test('help lists exactly the commands that have a help text, each under its own name', async () => {
  const commands = await allCommands();
  const withHelp = commands.filter((c) => c.help !== '').map((c) => c.name);
  assert.deepEqual([...listedCommandNames()].sort(), withHelp.sort());
  for (const command of commands) assert.equal((await findCommand(command.name))?.name, command.name);
  assert.equal(await findCommand('nosuch'), undefined);
  assert.equal(await findCommand('constructor'), undefined, 'not an inherited property');
});
