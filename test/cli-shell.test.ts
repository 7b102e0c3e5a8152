// The interactive shell: status first, the prompt on each line, quit/exit/EOF, Ctrl-C, and the
// terminal reader over a pipe (as Python's input() reads a piped stdin).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { Controller } from '../cli/controller.js';
import { BufferWriter } from '../cli/io.js';
import { Session } from '../cli/session.js';
import { Shell } from '../cli/shell.js';
import { Terminal } from '../cli/terminal.js';
import { FakeAgent, info } from './helpers/cli-fake-client.js';

function setup(input: string): { shell: Shell; io: BufferWriter; terminal: Terminal; controller: Controller; feed: PassThrough } {
  const agent = new FakeAgent([info('web', 'web', 'RUNNING')]);
  agent.logs.set('web', Buffer.from('log line\n'));
  const session = new Session({ serverurl: 'unix:///s', username: null, password: null, interactive: true, output: 'text', connect: () => agent });
  const io = new BufferWriter();
  const feed = new PassThrough();
  const screen = new PassThrough();
  screen.on('data', (b: Buffer) => io.out(b));
  const terminal = new Terminal({ input: feed, output: screen });
  const controller = new Controller(session, io, terminal);
  if (input) feed.write(input);
  return { shell: new Shell(controller, terminal, 'supervisor> '), io, terminal, controller, feed };
}

const STATUS = `${'web'.padEnd(33)}RUNNING   pid 100, uptime 0:00:05\n`;

test('the shell runs status first, prompts for each line and ends at EOF with an empty line', async () => {
  const { shell, io, terminal, feed } = setup('pid\n\nnosuch\n');
  feed.end();
  assert.equal(await shell.run(), 0);
  terminal.close();
  assert.equal(io.stdout, `${STATUS}supervisor> 4242\nsupervisor> supervisor> *** Unknown syntax: nosuch\nsupervisor> \n`);
});

test('quit ends the shell and the lines after it are not run', async () => {
  const { shell, io, terminal, feed } = setup('quit\npid\n');
  feed.end();
  assert.equal(await shell.run(), 0);
  terminal.close();
  assert.equal(io.stdout, `${STATUS}supervisor> \n`);
});

test('Ctrl-C stops tail -f and the shell goes on; Ctrl-C at the prompt ends it', async () => {
  const { shell, io, terminal, feed } = setup('tail -f web\n');
  const running = shell.run();
  await new Promise((resolve) => setTimeout(resolve, 50));
  shell.interrupt();
  await new Promise((resolve) => setTimeout(resolve, 20));
  shell.interrupt();
  assert.equal(await running, 0);
  terminal.close();
  feed.end();
  assert.equal(
    io.stdout,
    `${STATUS}supervisor> ==> Press Ctrl-C to exit <==\nlog line\n==> File truncated <==\nafter truncation\n\nsupervisor> \n`,
  );
});

test('a y/N question reads the next line', async () => {
  const { shell, io, terminal, feed } = setup('shutdown\nno\nreload\ny\n');
  feed.end();
  await shell.run();
  terminal.close();
  assert.equal(
    io.stdout,
    `${STATUS}supervisor> Really shut the remote supervisord process down y/N? supervisor> ` +
      'Really restart the remote supervisord process y/N? Restarted supervisord\nsupervisor> \n',
  );
});
