import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { parseCommandLine, usageError } from '../common/command-line.js';

function tool(): Command {
  return new Command('tool sub')
    .description('A tool for the test.')
    .helpOption('-h, --help', 'print this usage message and exit')
    .option('--data <dir>', 'a directory')
    .option('--loud', 'a switch')
    .addHelpText('after', '\nExamples:\n  tool sub --data /srv\n')
    .allowExcessArguments(false);
}

test('asking for help exits 0 with the help text, examples included, on stdout and nothing on stderr', () => {
  const line = parseCommandLine(tool(), ['-h'], 'tool sub -h');
  assert.equal(line.kind, 'exit');
  if (line.kind !== 'exit') return;
  assert.equal(line.exit.code, 0);
  assert.match(line.exit.stdout, /^Usage: tool sub \[options\]\n\nA tool for the test\.\n/);
  assert.match(line.exit.stdout, /--data <dir> +a directory\n/);
  assert.match(line.exit.stdout, /\nExamples:\n {2}tool sub --data \/srv\n/);
  assert.equal(line.exit.stderr, '');
});

test('an unknown option exits 2 with Error: and the help hint on stderr, as supervisord prints it', () => {
  const line = parseCommandLine(tool(), ['--bogus'], 'tool sub -h');
  assert.deepEqual(line, { kind: 'exit', exit: { code: 2, stdout: '', stderr: "Error: unknown option '--bogus'\nFor help, use tool sub -h\n" } });
});

test('an excess argument and a missing option value are usage errors too', () => {
  const excess = parseCommandLine(tool(), ['stray'], 'tool sub -h');
  assert.equal(excess.kind === 'exit' && excess.exit.stderr, "Error: too many arguments. Expected 0 arguments but got 1.\nFor help, use tool sub -h\n");
  const missing = parseCommandLine(tool(), ['--data'], 'tool sub -h');
  assert.equal(missing.kind === 'exit' && missing.exit.stderr, "Error: option '--data <dir>' argument missing\nFor help, use tool sub -h\n");
});

test('a good command line is parsed and its values are on the program', () => {
  const program = tool();
  assert.deepEqual(parseCommandLine(program, ['--data', '/srv', '--loud'], 'tool sub -h'), { kind: 'parsed' });
  assert.deepEqual(program.opts(), { data: '/srv', loud: true });
});

test('usage errors found after parsing print each message, then one help hint, with exit 2', () => {
  assert.deepEqual(usageError('--data: not a directory', 'tool -h'), { code: 2, stdout: '', stderr: 'Error: --data: not a directory\nFor help, use tool -h\n' });
  assert.equal(usageError(['first problem', 'second problem'], 'tool -h').stderr, 'Error: first problem\nError: second problem\nFor help, use tool -h\n');
});
