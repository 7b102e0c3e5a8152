import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, formatDiagnostic } from '../agent/config/load.js';
import type { ConfigDiagnostic, LoadOptions } from '../agent/config/types.js';
import { makeTempDir } from './helpers/temp-dir.js';

const dir = makeTempDir();
after(() => dir.remove());
const ENV = { HOME: '/home/tester', PATH: '/usr/bin:/bin' };
let counter = 0;

/** Loads `text` and returns its errors (the load must fail) with the file it was written to. */
function errorsOf(text: string, options: LoadOptions = {}): { errors: ConfigDiagnostic[]; file: string } {
  const file = join(dir.path, `errors-${++counter}.conf`);
  writeFileSync(file, text);
  const result = loadConfig(file, { env: ENV, hostname: 'testhost', cwd: dir.path, ...options });
  assert.equal(result.ok, false, 'the config must be refused');
  return { errors: result.ok ? [] : result.errors, file };
}

/** The single error of `text`. */
function errorOf(text: string, options: LoadOptions = {}): ConfigDiagnostic & { file: string } {
  const { errors, file } = errorsOf(text, options);
  assert.equal(errors.length, 1, `one error expected, got ${JSON.stringify(errors)}`);
  assert.equal(errors[0]!.file, file);
  return errors[0]! as ConfigDiagnostic & { file: string };
}

test('a config without [supervisord] is refused with supervisord\'s message', () => {
  const e = errorOf('[program:x]\ncommand=/bin/cat\n');
  assert.deepEqual({ line: e.line, message: e.message }, { line: 0, message: '.ini file does not include supervisord section' });
});

test('a missing config file is an error naming it', () => {
  const file = join(dir.path, 'nope.conf');
  const result = loadConfig(file, { env: ENV });
  assert.ok(!result.ok);
  assert.deepEqual(result.errors, [{ file, line: 0, message: `could not find config file ${file}` }]);
});

test('malformed INI lines are errors at their line', () => {
  const { errors, file } = errorsOf('[supervisord]\nthis is not a key\n[program:x\ncommand=/bin/cat\n');
  assert.deepEqual(errors, [
    { file, line: 2, section: 'supervisord', message: "expected 'key = value' or 'key: value', got 'this is not a key'" },
    { file, line: 3, message: "section header is missing its closing ']': '[program:x'" },
  ]);
});

test('an unknown expansion name is an error listing the available names, at the key', () => {
  const e = errorOf('[supervisord]\n[program:x]\ncommand=/bin/cat %(bogus)s\n');
  assert.equal(e.line, 3);
  assert.equal(e.section, 'program:x');
  assert.equal(e.key, 'command');
  assert.equal(
    e.message,
    "Format string '/bin/cat %(bogus)s' for 'program:x.command' contains names ('bogus') which cannot be expanded. " +
      'Available names: ENV_HOME, ENV_PATH, group_name, here, host_node_name, numprocs, process_num, program_name',
  );
});

test('process_num cannot be used in an option read once per program', () => {
  const e = errorOf('[supervisord]\n[program:x]\ncommand=/bin/cat\nstartsecs=%(process_num)d\n');
  assert.equal(e.key, 'startsecs');
  assert.equal(
    e.message,
    "Format string '%(process_num)d' for 'program:x.startsecs' contains names ('process_num') which cannot be expanded. " +
      'Available names: ENV_HOME, ENV_PATH, group_name, here, host_node_name, program_name',
  );
});

test('[supervisord] options may only use here and ENV_ names', () => {
  const e = errorOf('[supervisord]\nidentifier=%(program_name)s\n');
  assert.equal(e.key, 'identifier');
  assert.match(e.message, /for 'supervisord.identifier' contains names \('program_name'\) .* Available names: ENV_HOME, ENV_PATH, here$/);
});

test('a badly formatted expansion is an error', () => {
  const e = errorOf('[supervisord]\n[program:x]\ncommand=/bin/echo 100%\n');
  assert.equal(e.message, "Format string '/bin/echo 100%' for 'program:x.command' is badly formatted: incomplete format");
});

test('numprocs > 1 without %(process_num) in process_name is refused (reference 9 item 5)', () => {
  const e = errorOf('[supervisord]\n[program:x]\ncommand=/bin/cat\nnumprocs=2\n');
  assert.deepEqual(
    { line: e.line, section: e.section, key: e.key, message: e.message },
    { line: 4, section: 'program:x', key: 'numprocs', message: '%(process_num) must be present within process_name when numprocs > 1' },
  );
});

test('the numprocs error points at process_name when it is set', () => {
  const e = errorOf('[supervisord]\n[program:x]\ncommand=/bin/cat\nnumprocs=3\nprocess_name=x_%(program_name)s\n');
  assert.equal(e.key, 'process_name');
  assert.equal(e.line, 5);
});

test('stopasgroup=true with killasgroup=false is refused (reference 9 item 5)', () => {
  const e = errorOf('[supervisord]\n[program:x]\ncommand=/bin/cat\nstopasgroup=true\nkillasgroup=false\n');
  assert.deepEqual({ key: e.key, line: e.line, message: e.message }, { key: 'killasgroup', line: 5, message: 'Cannot set stopasgroup=true and killasgroup=false' });
});

test('a bad signal name is refused at its key', () => {
  const e = errorOf('[supervisord]\n[program:x]\ncommand=/bin/cat\nstopsignal=FOO\n');
  assert.deepEqual({ key: e.key, line: e.line, message: e.message }, { key: 'stopsignal', line: 4, message: "value 'FOO' is not a valid signal name" });
});

test('exit code 256 is refused at its key', () => {
  const e = errorOf('[supervisord]\n[program:x]\ncommand=/bin/cat\nexitcodes=0,256\n');
  assert.deepEqual({ key: e.key, line: e.line, message: e.message }, { key: 'exitcodes', line: 4, message: "not a valid list of exit codes: '0,256'" });
});

test('a bad boolean is refused with supervisord\'s message', () => {
  const e = errorOf('[supervisord]\nnodaemon=maybe\n');
  assert.deepEqual({ key: e.key, message: e.message }, { key: 'nodaemon', message: "not a valid boolean value: 'maybe'" });
});

test('a program name with a space is refused at the section header', () => {
  const e = errorOf('[supervisord]\n\n[program:x y]\ncommand=/bin/cat\n');
  assert.deepEqual({ line: e.line, section: e.section, key: e.key, message: e.message }, {
    line: 3,
    section: 'program:x y',
    key: undefined,
    message: "Invalid name: 'x y' because of character: ' '",
  });
});

test('a program without a command is refused', () => {
  const e = errorOf('[supervisord]\n[program:x]\nautostart=true\n');
  assert.deepEqual({ line: e.line, message: e.message }, { line: 2, message: 'program section program:x does not specify a command' });
});

test('a log file in a directory that does not exist is an error naming the directory', () => {
  const e = errorOf('[supervisord]\n[program:x]\ncommand=/bin/cat\nstdout_logfile=/no/such/dir/x.log\n');
  assert.equal(e.key, 'stdout_logfile');
  assert.equal(e.message, 'The directory /no/such/dir named as part of the path /no/such/dir/x.log does not exist');
});

test('childlogdir must be an existing directory', () => {
  const e = errorOf('[supervisord]\nchildlogdir=/no/such/dir\n');
  assert.equal(e.message, '/no/such/dir is not an existing directory');
});

test('an unknown user is refused', () => {
  const e = errorOf('[supervisord]\n[program:x]\ncommand=/bin/cat\nuser=no-such-user-fv\n');
  assert.deepEqual({ key: e.key, message: e.message }, { key: 'user', message: 'Invalid user name no-such-user-fv' });
});

test('several errors are all reported at once, in file order', () => {
  const { errors, file } = errorsOf(
    [
      '[supervisord]', // 1
      'loglevel=loud', // 2
      '[program:a]', // 3
      'command=/bin/cat', // 4
      'stopsignal=FOO', // 5
      'exitcodes=256', // 6
      'numprocs=2', // 7
      '[program:b]', // 8
      'command=/bin/%(nope)s', // 9
      'autorestart=sometimes', // 10
      '',
    ].join('\n'),
  );
  assert.deepEqual(
    errors.map((e) => [e.file, e.line, e.section, e.key]),
    [
      [file, 2, 'supervisord', 'loglevel'],
      [file, 5, 'program:a', 'stopsignal'],
      [file, 6, 'program:a', 'exitcodes'],
      [file, 7, 'program:a', 'numprocs'],
      [file, 9, 'program:b', 'command'],
      [file, 10, 'program:b', 'autorestart'],
    ],
  );
});

test('a per-process error is reported once, not once per process', () => {
  const { errors } = errorsOf('[supervisord]\n[program:x]\ncommand=/bin/%(nope)s\nnumprocs=3\nprocess_name=x%(process_num)d\n');
  assert.equal(errors.length, 1);
});

test('formatDiagnostic prints file:line: [section] key: message', () => {
  const e = errorOf('[supervisord]\n[program:x]\ncommand=/bin/cat\nexitcodes=0,256\n');
  assert.equal(formatDiagnostic(e), `${e.file}:4: [program:x] exitcodes: not a valid list of exit codes: '0,256'`);
});

test('formatDiagnostic leaves out what a diagnostic does not have', () => {
  assert.equal(formatDiagnostic({ file: '/etc/s.conf', line: 0, message: 'm' }), '/etc/s.conf: m');
  assert.equal(formatDiagnostic({ file: '/etc/s.conf', line: 3, section: 'x', message: 'm' }), '/etc/s.conf:3: [x] m');
  assert.equal(formatDiagnostic({ file: '', line: 0, key: 'logfile', message: 'm' }), 'logfile: m');
});

test('a bad command-line override is reported as coming from the command line', () => {
  const { errors } = errorsOf('[supervisord]\n', { overrides: { logfile: '/no/such/dir/x.log', user: 'no-such-user-fv' } });
  assert.deepEqual(errors, [
    { file: '<command line>', line: 0, key: 'logfile', message: 'The directory /no/such/dir named as part of the path /no/such/dir/x.log does not exist' },
    { file: '<command line>', line: 0, key: 'user', message: 'Invalid user name no-such-user-fv' },
  ]);
});

test('two sections that make the same group name are refused', () => {
  const { errors } = errorsOf('[supervisord]\n[program:x]\ncommand=/bin/cat\n[eventlistener:x]\ncommand=/bin/l\nevents=TICK_5\n');
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /^group name 'x' is already used by \[/);
});
