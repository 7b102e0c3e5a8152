import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../agent/config/load.js';
import type { Config, ConfigResult, LoadOptions } from '../agent/config/types.js';
import { makeTempDir } from './helpers/temp-dir.js';

const dir = makeTempDir();
after(() => dir.remove());
const ENV = { HOME: '/home/tester', PATH: '/usr/bin:/bin' };
let counter = 0;

function load(text: string, options: LoadOptions = {}): ConfigResult & { file: string } {
  const file = join(dir.path, `load-${++counter}.conf`);
  writeFileSync(file, text);
  return { ...loadConfig(file, { env: ENV, hostname: 'testhost', cwd: dir.path, ...options }), file };
}

function ok(text: string, options: LoadOptions = {}): Config {
  const result = load(text, options);
  assert.ok(result.ok, `expected a valid config, got ${JSON.stringify(!result.ok && result.errors)}`);
  return result.config;
}

test('a minimal config gets every [supervisord] default', () => {
  const config = ok('[supervisord]\n');
  assert.deepEqual(config.supervisord, {
    logfile: join(dir.path, 'supervisord.log'),
    logfileMaxbytes: 50 * 1024 * 1024,
    logfileBackups: 10,
    loglevel: 'info',
    pidfile: join(dir.path, 'supervisord.pid'),
    umask: 0o22,
    nodaemon: false,
    silent: false,
    minfds: 1024,
    minprocs: 200,
    nocleanup: false,
    childlogdir: tmpdir(),
    user: null,
    directory: null,
    stripAnsi: false,
    environment: null,
    identifier: 'supervisor',
  });
  assert.equal(config.unixHttpServer, null);
  assert.equal(config.inetHttpServer, null);
  assert.deepEqual(config.supervisorctl, {
    serverurl: 'http://localhost:9001',
    username: null,
    password: null,
    prompt: 'supervisor',
    historyFile: null,
  });
  assert.deepEqual(config.groups, []);
});

test('the config records its absolute path and the files it read', () => {
  const result = load('[supervisord]\n');
  assert.ok(result.ok);
  assert.equal(result.config.file, result.file);
  assert.deepEqual(result.config.files, [result.file]);
});

test('a program gets every default of reference 1.4', () => {
  const config = ok('[supervisord]\n[program:cat]\ncommand=/bin/cat\n');
  const [group] = config.groups;
  assert.equal(group!.name, 'cat');
  assert.equal(group!.kind, 'program');
  assert.equal(group!.priority, 999);
  assert.equal(group!.eventListener, null);
  assert.equal(group!.fcgi, null);
  const channel = { logfile: { kind: 'auto' }, maxbytes: 50 * 1024 * 1024, backups: 10, captureMaxbytes: 0, eventsEnabled: false, syslog: false };
  assert.deepEqual(group!.processes, [
    {
      name: 'cat',
      group: 'cat',
      programName: 'cat',
      processNum: 0,
      command: '/bin/cat',
      priority: 999,
      autostart: true,
      startsecs: 1,
      startretries: 3,
      autorestart: 'unexpected',
      exitcodes: [0],
      stopsignal: 'SIGTERM',
      stopwaitsecs: 10,
      stopasgroup: false,
      killasgroup: false,
      user: null,
      redirectStderr: false,
      stdout: channel,
      stderr: channel,
      environment: null,
      directory: null,
      umask: null,
      serverurl: 'AUTO',
      location: { file: join(dir.path, `load-${counter}.conf`), line: 2, section: 'program:cat' },
    },
  ]);
});

test('program options are converted to their types', () => {
  const config = ok(
    [
      '[supervisord]',
      '[program:p]',
      'command = /bin/sleep 10',
      'priority=5',
      'autostart=false',
      'startsecs=0',
      'startretries=7',
      'autorestart=true',
      'exitcodes=0,2',
      'stopsignal=int',
      'stopwaitsecs=3',
      'stopasgroup=true',
      'user=root',
      'stdout_logfile=NONE',
      'stdout_logfile_maxbytes=1KB',
      'stdout_logfile_backups=0',
      'stdout_capture_maxbytes=1MB',
      'stdout_events_enabled=yes',
      'stderr_syslog=on',
      'directory=/tmp',
      'umask=077',
      'serverurl=http://127.0.0.1:9001',
      '',
    ].join('\n'),
  );
  const p = config.groups[0]!.processes[0]!;
  assert.equal(p.priority, 5);
  assert.equal(p.autostart, false);
  assert.equal(p.startsecs, 0);
  assert.equal(p.startretries, 7);
  assert.equal(p.autorestart, 'true');
  assert.deepEqual(p.exitcodes, [0, 2]);
  assert.equal(p.stopsignal, 'SIGINT');
  assert.equal(p.stopwaitsecs, 3);
  assert.equal(p.stopasgroup, true);
  assert.equal(p.killasgroup, true, 'stopasgroup implies killasgroup');
  assert.equal(p.user, 'root');
  assert.deepEqual(p.stdout, { logfile: { kind: 'none' }, maxbytes: 1024, backups: 0, captureMaxbytes: 1024 * 1024, eventsEnabled: true, syslog: false });
  assert.equal(p.stderr.syslog, true);
  assert.equal(p.directory, '/tmp');
  assert.equal(p.umask, 0o77);
  assert.equal(p.serverurl, 'http://127.0.0.1:9001');
  assert.equal(config.groups[0]!.priority, 5);
});

test('numprocs expands process_name and command once per process (reference 9 item 4)', () => {
  const config = ok(
    '[supervisord]\n[program:foo]\nnumprocs=2\nprocess_name=foo_%(process_num)d\ncommand=/bin/foo --num=%(process_num)d --of=%(numprocs)d\n',
  );
  const processes = config.groups[0]!.processes;
  assert.deepEqual(
    processes.map((p) => [p.name, p.processNum, p.command]),
    [
      ['foo_0', 0, '/bin/foo --num=0 --of=2'],
      ['foo_1', 1, '/bin/foo --num=1 --of=2'],
    ],
  );
});

test('numprocs_start offsets process_num and %(process_num)02d pads it', () => {
  const config = ok('[supervisord]\n[program:multi]\ncommand=/bin/cat\nprocess_name=%(program_name)s_%(process_num)02d\nnumprocs=2\nnumprocs_start=1\n');
  assert.deepEqual(
    config.groups[0]!.processes.map((p) => p.name),
    ['multi_01', 'multi_02'],
  );
});

test('a program environment overrides [supervisord] environment in %(ENV_FOO)s (reference 9 item 19)', () => {
  const config = ok(
    [
      '[supervisord]',
      'environment=FOO="set from [supervisord] section",ONLY=global',
      '[program:a]',
      'command=/bin/echo %(ENV_FOO)s / %(ENV_ONLY)s',
      'environment=FOO="set from [program] section"',
      '[program:b]',
      'command=/bin/echo %(ENV_FOO)s',
      '',
    ].join('\n'),
  );
  const [a, b] = config.groups.map((g) => g.processes[0]!);
  assert.equal(a!.command, '/bin/echo set from [program] section / global');
  assert.deepEqual(a!.environment, { FOO: 'set from [program] section' });
  assert.equal(b!.command, '/bin/echo set from [supervisord] section');
  assert.equal(b!.environment, null);
  assert.deepEqual(config.supervisord.environment, { FOO: 'set from [supervisord] section', ONLY: 'global' });
});

test('%% in a command becomes % (reference 9 item 19)', () => {
  const config = ok('[supervisord]\n[program:p]\ncommand=/bin/date +%%s\n');
  assert.equal(config.groups[0]!.processes[0]!.command, '/bin/date +%s');
});

test('the agent environment is available as ENV_ names and program environment can use process_num', () => {
  const config = ok('[supervisord]\n[program:p]\ncommand=/bin/ls %(ENV_HOME)s\nenvironment=N=%(process_num)d,P="%(ENV_PATH)s"\n');
  const p = config.groups[0]!.processes[0]!;
  assert.equal(p.command, '/bin/ls /home/tester');
  assert.deepEqual(p.environment, { N: '0', P: '/usr/bin:/bin' });
});

test('program_name, group_name, host_node_name and here expand in a program', () => {
  const result = load('[supervisord]\n[program:p]\ncommand=/bin/x %(program_name)s %(group_name)s %(host_node_name)s %(here)s\n');
  assert.ok(result.ok);
  assert.equal(result.config.groups[0]!.processes[0]!.command, `/bin/x p p testhost ${dir.path}`);
});

test('a program inside a [group:x] gets the group as group_name and belongs to it', () => {
  const config = ok('[supervisord]\n[group:web]\nprograms=a,b\npriority=100\n[program:a]\ncommand=/bin/%(group_name)s\n[program:b]\ncommand=/bin/b\npriority=1\n');
  assert.equal(config.groups.length, 1);
  const [web] = config.groups;
  assert.equal(web!.name, 'web');
  assert.equal(web!.kind, 'group');
  assert.equal(web!.priority, 100);
  assert.deepEqual(
    web!.processes.map((p) => [p.name, p.group, p.command]),
    [
      ['b', 'web', '/bin/b'],
      ['a', 'web', '/bin/web'],
    ],
  );
});

test('groups and processes are sorted by priority, then name', () => {
  const config = ok(
    [
      '[supervisord]',
      '[program:zeta]\ncommand=/bin/z\npriority=1',
      '[program:beta]\ncommand=/bin/b',
      '[program:alpha]\ncommand=/bin/a',
      '[program:first]\ncommand=/bin/f\npriority=-5',
      '[eventlistener:listener]\ncommand=/bin/l\nevents=TICK_5',
      '',
    ].join('\n'),
  );
  assert.deepEqual(
    config.groups.map((g) => [g.name, g.priority]),
    [
      ['first', -5],
      ['listener', -1],
      ['zeta', 1],
      ['alpha', 999],
      ['beta', 999],
    ],
  );
});

test('inline comments are stripped and a duplicate section is merged (reference 9 item 6)', () => {
  const config = ok('[supervisord]\n[supervisorctl]\nserverurl=http://127.0.0.1:9001 ;c\n[supervisorctl]\nprompt=mine\n');
  assert.equal(config.supervisorctl.serverurl, 'http://127.0.0.1:9001');
  assert.equal(config.supervisorctl.prompt, 'mine');
});

test('an option continued on indented lines is one value', () => {
  const config = ok('[supervisord]\n[program:p]\ncommand=/bin/cat\nenvironment=A=1,\n  B=2,\n  C=3\n');
  assert.deepEqual(config.groups[0]!.processes[0]!.environment, { A: '1', B: '2', C: '3' });
});

test('[DEFAULT] values apply to every program that does not set them', () => {
  const config = ok('[DEFAULT]\nautostart=false\n[supervisord]\n[program:a]\ncommand=/bin/a\n[program:b]\ncommand=/bin/b\nautostart=true\n');
  assert.deepEqual(
    config.groups.map((g) => g.processes[0]!.autostart),
    [false, true],
  );
});

test('command-line overrides win over the file', () => {
  const config = ok('[supervisord]\nloglevel=debug\nnodaemon=false\nidentifier=fromfile\n', {
    overrides: { loglevel: 'warn', nodaemon: true, identifier: 'fromcli', logfile: 'cli.log', minfds: 5 },
  });
  assert.equal(config.supervisord.loglevel, 'warn');
  assert.equal(config.supervisord.nodaemon, true);
  assert.equal(config.supervisord.identifier, 'fromcli');
  assert.equal(config.supervisord.logfile, join(dir.path, 'cli.log'));
  assert.equal(config.supervisord.minfds, 5);
});

test('the identifier defaults to supervisor and can come from the file', () => {
  assert.equal(ok('[supervisord]\n').supervisord.identifier, 'supervisor');
  assert.equal(ok('[supervisord]\nidentifier=from_config_file\n').supervisord.identifier, 'from_config_file');
});

test('[supervisord] values are converted and relative paths resolve against the working directory', () => {
  const config = ok(
    [
      '[supervisord]',
      'logfile=logs.txt',
      'logfile_maxbytes=0',
      'logfile_backups=3',
      'loglevel=BLATHER',
      'pidfile=%(here)s/x.pid',
      'umask=002',
      'nodaemon=true',
      'silent=true',
      'minfds=4096',
      'minprocs=50',
      'nocleanup=on',
      `childlogdir=${dir.path}`,
      'user=root',
      'directory=/',
      'strip_ansi=1',
      '',
    ].join('\n'),
  );
  assert.deepEqual(config.supervisord, {
    logfile: join(dir.path, 'logs.txt'),
    logfileMaxbytes: 0,
    logfileBackups: 3,
    loglevel: 'blather',
    pidfile: join(dir.path, 'x.pid'),
    umask: 0o2,
    nodaemon: true,
    silent: true,
    minfds: 4096,
    minprocs: 50,
    nocleanup: true,
    childlogdir: dir.path,
    user: 'root',
    directory: '/',
    stripAnsi: true,
    environment: null,
    identifier: 'supervisor',
  });
});

test('the activity log may be syslog', () => {
  assert.equal(ok('[supervisord]\nlogfile=syslog\n').supervisord.logfile, 'syslog');
});

test('~ is expanded in path options only', () => {
  const config = ok('[supervisord]\nchildlogdir=~\n[program:p]\ncommand=/bin/echo ~\n', { env: { ...ENV, HOME: dir.path } });
  assert.equal(config.supervisord.childlogdir, dir.path);
  assert.equal(config.groups[0]!.processes[0]!.command, '/bin/echo ~');
});

test('a log file path keeps its expansion and is made absolute', () => {
  const config = ok('[supervisord]\n[program:p]\ncommand=/bin/cat\nstdout_logfile=%(here)s/%(program_name)s-%(process_num)d.log\n');
  assert.deepEqual(config.groups[0]!.processes[0]!.stdout.logfile, { kind: 'file', path: join(dir.path, 'p-0.log') });
});
