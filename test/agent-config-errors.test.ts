import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './helpers/temp-dir.js';
import { runAgentOnce, writeConfig } from './helpers/agent-process.js';

const tmp = makeTempDir('fleetvisor-config-errors-');
after(() => tmp.remove());

const SUPERVISORD = '/usr/bin/supervisord';
const haveSupervisord = existsSync(SUPERVISORD);

const HEADER = `[supervisord]\nlogfile = %(here)s/s.log\npidfile = %(here)s/s.pid\nchildlogdir = %(here)s\n`;

let n = 0;
function configFile(text: string): string {
  const dir = join(tmp.path, `c${++n}`);
  mkdirSync(dir);
  return writeConfig(dir, text);
}

/** supervisord's own message for a bad config: the text after `Error: `, without its section/file suffix. */
function supervisordError(conf: string): string {
  const r = spawnSync(SUPERVISORD, ['-n', '-c', conf], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 2, `supervisord should refuse this config; it said: ${r.stderr}${r.stdout}`);
  const m = /^Error: (.*?)(?: in section '[^']*' \(file: '[^']*'\))?$/m.exec(r.stderr);
  assert.ok(m, `no Error line from supervisord: ${r.stderr}`);
  return m[1]!;
}

const cases: Array<{ what: string; text: string; where: RegExp }> = [
  { what: 'a bad signal name', text: `${HEADER}[program:x]\ncommand = /bin/cat\nstopsignal = FOO\n`, where: /:7: \[program:x\] stopsignal: / },
  { what: 'exit code 256', text: `${HEADER}[program:x]\ncommand = /bin/cat\nexitcodes = 0,256\n`, where: /:7: \[program:x\] exitcodes: / },
  { what: 'a bad boolean', text: `${HEADER}[program:x]\ncommand = /bin/cat\nautostart = maybe\n`, where: /:7: \[program:x\] autostart: / },
  {
    what: 'numprocs > 1 without %(process_num)',
    text: `${HEADER}[program:x]\ncommand = /bin/cat\nnumprocs = 2\n`,
    where: /\[program:x\] (process_name|numprocs): /,
  },
  {
    what: 'an unknown expansion',
    text: `${HEADER}[program:x]\ncommand = /bin/cat %(bogus)s\n`,
    where: /:6: \[program:x\] command: /,
  },
  { what: 'a missing [supervisord] section', text: `[program:x]\ncommand = /bin/cat\n`, where: /supervisord\.conf/ },
  { what: 'a program without a command', text: `${HEADER}[program:x]\nautostart = true\n`, where: /\[program:x\]/ },
  { what: 'an event listener without events', text: `${HEADER}[eventlistener:x]\ncommand = /bin/cat\n`, where: /\[eventlistener:x\]/ },
  { what: 'stopasgroup without killasgroup', text: `${HEADER}[program:x]\ncommand = /bin/cat\nstopasgroup = true\nkillasgroup = false\n`, where: /\[program:x\]/ },
];

for (const c of cases) {
  test(`${c.what} is refused with supervisord's message, its location, and exit code 2`, { skip: !haveSupervisord && 'supervisord is not installed' }, async () => {
    const conf = configFile(c.text);
    const expected = supervisordError(conf);
    const r = await runAgentOnce(['-n', '-c', conf]);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(expected), `fleet-agent's errors should contain supervisord's text:\n  ${expected}\nbut were:\n${r.stderr}`);
    assert.match(r.stderr, c.where);
    assert.match(r.stderr, /^Error: /);
    assert.match(r.stderr, /For help, use fleet-agent -h\n$/);
  });
}

test('malformed INI lines are errors with their file and line', async () => {
  const conf = configFile(`${HEADER}[program:x]\ncommand = /bin/cat\nthis line has no delimiter\n[unterminated\n`);
  const r = await runAgentOnce(['-n', '-c', conf]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /supervisord\.conf:7: /);
  assert.match(r.stderr, /supervisord\.conf:8: /);
});

test('every error of a config is reported at once, not only the first', async () => {
  const conf = configFile(`${HEADER}[program:a]\ncommand = /bin/cat\nstopsignal = FOO\n[program:b]\ncommand = /bin/cat\nexitcodes = 300\nautorestart = sometimes\n`);
  const r = await runAgentOnce(['-n', '-c', conf]);
  assert.equal(r.code, 2);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('Error: '));
  assert.equal(errors.length, 3, r.stderr);
  assert.match(errors.join('\n'), /\[program:a\] stopsignal:.*\n.*\[program:b\] exitcodes:.*\n.*\[program:b\] autorestart:/);
});

test('an include that matches nothing is a warning, and the config is still valid', async () => {
  const conf = configFile(`${HEADER}[include]\nfiles = conf.d/*.conf\n[program:x]\ncommand = /bin/cat\n`);
  const r = await runAgentOnce(['--check', '-c', conf]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^Warning: .*supervisord\.conf:\d+: \[include\] files: No file matches via include ".*conf\.d\/\*\.conf"$/m);
});

test('unknown keys are warnings with their location', async () => {
  const conf = configFile(`${HEADER}[program:x]\ncommand = /bin/cat\nautostrat = true\n`);
  const r = await runAgentOnce(['--check', '-c', conf]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^Warning: .*supervisord\.conf:7: \[program:x\] autostrat: /m);
});

test('--check lists the processes it would run, in start order, and starts nothing', async () => {
  const conf = configFile(
    `${HEADER}[program:web]\ncommand = /bin/cat\nprocess_name = web_%(process_num)d\nnumprocs = 2\npriority = 10\n` +
      `[program:worker]\ncommand = /bin/sleep 5\nautostart = false\n`,
  );
  const r = await runAgentOnce(['--check', '-c', conf]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /: valid \(1 file read\)\n2 groups, 3 processes \(2 autostart\)\n/);
  const rows = r.stdout.split('\n').filter((l) => /^(web|worker)/.test(l));
  assert.deepEqual(
    rows.map((l) => l.split(/\s+/).slice(0, 4)),
    [
      ['web:web_0', 'program', '10:10', 'auto'],
      ['web:web_1', 'program', '10:10', 'auto'],
      ['worker', 'program', '999:999', 'manual'],
    ],
  );
});
