import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAgentArgs } from '../agent/daemon/options.js';

test('supervisord flags map onto config overrides', () => {
  const r = parseAgentArgs(['-n', '-c', 'x.conf', '-e', 'debug', '-y', '10MB', '-z', '3', '-m', '027', '-i', 'id', '-k', '-t', '-a', '2048', '--minprocs', '300']);
  assert.equal(r.kind, 'run');
  if (r.kind !== 'run') return;
  assert.equal(r.options.configFile, 'x.conf');
  assert.deepEqual(r.options.overrides, {
    nodaemon: true,
    umask: 0o27,
    logfileMaxbytes: 10 * 1024 * 1024,
    logfileBackups: 3,
    loglevel: 'debug',
    identifier: 'id',
    nocleanup: true,
    minfds: 2048,
    minprocs: 300,
    stripAnsi: true,
  });
});

test('an unknown flag is a usage error with exit code 2 and the help hint', () => {
  const r = parseAgentArgs(['--bogus']);
  assert.equal(r.kind, 'exit');
  if (r.kind !== 'exit') return;
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Error: unknown option '--bogus'\nFor help, use fleet-agent -h\n$/);
});

test('malformed numbers, sizes and umasks are all reported at once', () => {
  const r = parseAgentArgs(['-a', 'many', '-y', '1TB', '-m', '999']);
  assert.equal(r.kind, 'exit');
  if (r.kind !== 'exit') return;
  assert.equal(r.code, 2);
  // supervisord's texts: `invalid value for -y '1TB': invalid literal for int() with base 10: '1tb'`.
  assert.match(r.stderr, /^Error: invalid value for -y '1TB': invalid literal for int\(\) with base 10: '1tb'$/m);
  assert.match(r.stderr, /^Error: invalid value for -a 'many': invalid literal for int\(\) with base 10: 'many'$/m);
  assert.match(r.stderr, /^Error: invalid value for -m '999': 999 can not be converted to an octal type$/m);
});

test('a log level outside the known set is refused with supervisord\'s text', () => {
  const r = parseAgentArgs(['-e', 'loud']);
  assert.equal(r.kind, 'exit');
  if (r.kind !== 'exit') return;
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Error: invalid value for -e 'loud': bad logging level name 'loud'$/m);
});

test('help prints usage with examples and exits 0', () => {
  const r = parseAgentArgs(['-h']);
  assert.equal(r.kind, 'exit');
  if (r.kind !== 'exit') return;
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: fleet-agent/);
  assert.match(r.stdout, /Examples:/);
});

test('a stray positional argument is refused', () => {
  const r = parseAgentArgs(['extra']);
  assert.equal(r.kind, 'exit');
  if (r.kind === 'exit') assert.equal(r.code, 2);
});
