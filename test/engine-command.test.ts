import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FleetError } from '../common/errors.js';
import { describeProcess, formatStopTime, formatUptime, toInfoSeconds } from '../common/process-info.js';
import {
  buildSpawnRequest,
  childEnvironment,
  defaultServerUrl,
  resolveCommand,
  searchPath,
  type SpawnContext,
} from '../agent/process/command.js';
import { program } from './helpers/engine-harness.js';
import { makeTempDir } from './helpers/temp-dir.js';

const dir = makeTempDir('fleetvisor-command-');
after(() => dir.remove());

const bin = join(dir.path, 'bin');
mkdirSync(bin);
mkdirSync(join(bin, 'adir'));
writeFileSync(join(bin, 'tool'), '#!/bin/sh\n');
chmodSync(join(bin, 'tool'), 0o755);
writeFileSync(join(bin, 'plain'), 'data');
chmodSync(join(bin, 'plain'), 0o644);

const ctx = (over: Partial<SpawnContext> = {}): SpawnContext => ({
  agentEnv: { PATH: `${bin}:/usr/bin:/bin` },
  supervisordEnv: null,
  serverUrl: null,
  ...over,
});

function rejects(command: string, code: string, message: string, context = ctx()): void {
  assert.throws(
    () => resolveCommand({ command, environment: null }, context),
    (err: unknown) => err instanceof FleetError && err.code === code && err.message === message,
  );
}

describe('command resolution (get_execv_args)', () => {
  test('a command is split shell-style and argv[0] is kept as written', () => {
    const { file, argv } = resolveCommand({ command: 'tool "an argument" b\\ c', environment: null }, ctx());
    assert.equal(file, join(bin, 'tool'));
    assert.deepEqual(argv, ['tool', 'an argument', 'b c']);
  });

  test('sh is found in PATH as /bin/sh or /usr/bin/sh with argv[0] sh', () => {
    const { file, argv } = resolveCommand({ command: 'sh foo', environment: null }, ctx({ agentEnv: { PATH: '/bin:/usr/bin' } }));
    assert.equal(file, '/bin/sh');
    assert.deepEqual(argv, ['sh', 'foo']);
  });

  test('a program with a slash is not searched', () => {
    rejects('/notthere "an argument"', 'NO_FILE', "can't find command '/notthere'");
  });

  test('a program not in PATH is NO_FILE with its bare name', () => {
    rejects('nosuchprogram-xyz', 'NO_FILE', "can't find command 'nosuchprogram-xyz'");
  });

  test('a directory is NOT_EXECUTABLE, even when found in PATH before a real program', () => {
    rejects(join(bin, 'adir'), 'NOT_EXECUTABLE', `command at '${join(bin, 'adir')}' is a directory`);
    rejects('adir', 'NOT_EXECUTABLE', `command at '${join(bin, 'adir')}' is a directory`);
  });

  test('a file without execute bits is NOT_EXECUTABLE', () => {
    rejects('plain', 'NOT_EXECUTABLE', `command at '${join(bin, 'plain')}' is not executable`);
  });

  test('an unparseable, empty or blank command is NOT_EXECUTABLE with supervisord\'s text', () => {
    rejects('a"', 'NOT_EXECUTABLE', `can't parse command 'a"': No closing quotation`);
    rejects('a\\', 'NOT_EXECUTABLE', "can't parse command 'a\\\\': No escaped character");
    rejects('', 'NOT_EXECUTABLE', 'command is empty');
    rejects('   ', 'NOT_EXECUTABLE', 'command is empty');
  });

  test('the program environment PATH is searched first, then [supervisord] environment, then the agent PATH', () => {
    assert.deepEqual(searchPath({ environment: { PATH: '/p1:/p2' } }, ctx({ supervisordEnv: { PATH: '/s' } })), ['/p1', '/p2']);
    assert.deepEqual(searchPath({ environment: null }, ctx({ supervisordEnv: { PATH: '/s' } })), ['/s']);
    assert.deepEqual(searchPath({ environment: {} }, ctx({ agentEnv: { PATH: '/a:/b' } })), ['/a', '/b']);
    assert.deepEqual(searchPath({ environment: null }, ctx({ agentEnv: { PATH: '' } })), ['/bin', '/usr/bin', '/usr/local/bin']);
    assert.deepEqual(searchPath({ environment: null }, ctx({ agentEnv: {} })), ['/bin', '/usr/bin', '/usr/local/bin']);
  });

  test('the program PATH decides where a bare command is found', () => {
    rejects('tool', 'NO_FILE', "can't find command 'tool'", ctx({ supervisordEnv: { PATH: '/nonexistent' } }));
  });
});

describe('child environment (reference 1.5)', () => {
  test('precedence: agent < [supervisord] environment < SUPERVISOR_* < program environment', () => {
    const env = childEnvironment(
      { name: 'web_0', group: 'web', serverurl: 'AUTO', environment: { C: 'prog', SUPERVISOR_PROCESS_NAME: 'prog' } },
      {
        agentEnv: { A: 'agent', B: 'agent', C: 'agent', SUPERVISOR_ENABLED: 'agent', GONE: undefined },
        supervisordEnv: { B: 'sup', C: 'sup', SUPERVISOR_GROUP_NAME: 'sup' },
        serverUrl: 'unix:///tmp/s.sock',
      },
    );
    assert.deepEqual(env, {
      A: 'agent',
      B: 'sup',
      C: 'prog',
      SUPERVISOR_ENABLED: '1',
      SUPERVISOR_PROCESS_NAME: 'prog',
      SUPERVISOR_GROUP_NAME: 'web',
      SUPERVISOR_SERVER_URL: 'unix:///tmp/s.sock',
    });
  });

  test('SUPERVISOR_SERVER_URL is the program serverurl unless AUTO, and absent without any server', () => {
    const base = { name: 'x', group: 'x', environment: null };
    assert.equal(childEnvironment({ ...base, serverurl: 'http://h:1' }, ctx()).SUPERVISOR_SERVER_URL, 'http://h:1');
    assert.equal('SUPERVISOR_SERVER_URL' in childEnvironment({ ...base, serverurl: 'AUTO' }, ctx()), false);
  });

  test('AUTO prefers the unix socket, then the inet server with localhost for an empty host', () => {
    const unix = { file: '/run/s.sock', chmod: 0o700, chown: null, username: null, password: null };
    const inet = { host: '', port: 9001, username: null, password: null };
    assert.equal(defaultServerUrl({ unixHttpServer: unix, inetHttpServer: inet }), 'unix:///run/s.sock');
    assert.equal(defaultServerUrl({ unixHttpServer: null, inetHttpServer: inet }), 'http://localhost:9001');
    assert.equal(defaultServerUrl({ unixHttpServer: null, inetHttpServer: { ...inet, host: '10.0.0.1' } }), 'http://10.0.0.1:9001');
    assert.equal(defaultServerUrl({ unixHttpServer: null, inetHttpServer: null }), null);
  });

  test('a spawn request carries directory, umask and redirect_stderr from the config', () => {
    const req = buildSpawnRequest(
      program('x', 'tool -v', { directory: '/tmp', umask: 0o27, redirectStderr: true }),
      ctx(),
    );
    assert.equal(req.file, join(bin, 'tool'));
    assert.deepEqual(req.argv, ['tool', '-v']);
    assert.equal(req.cwd, '/tmp');
    assert.equal(req.umask, 0o27);
    assert.equal(req.redirectStderr, true);
    assert.equal(req.user, null);
    assert.equal(req.env.SUPERVISOR_PROCESS_NAME, 'x');
  });

  test('an unknown user= is a spawn error naming the user', () => {
    assert.throws(
      () => buildSpawnRequest(program('x', 'tool', { user: 'no-such-user-xyz' }), ctx()),
      (err: unknown) => err instanceof FleetError && err.message === "couldn't setuid to no-such-user-xyz: Invalid user name no-such-user-xyz",
    );
  });
});

describe('status descriptions (reference 3.2)', () => {
  const info = { name: 'web', start: 1000, stop: 0, now: 1100, pid: 1, spawnerr: '' };

  test('RUNNING shows pid and uptime, H:MM:SS then days', () => {
    assert.equal(describeProcess({ ...info, statename: 'RUNNING' }), 'pid 1, uptime 0:01:40');
    assert.equal(formatUptime(86400 + 2 * 3600 + 3 * 60 + 4), '1 day, 2:03:04');
    assert.equal(formatUptime(2 * 86400 + 5), '2 days, 0:00:05');
  });

  test('a start time in the future reads as uptime 0:00:00', () => {
    assert.equal(describeProcess({ ...info, statename: 'RUNNING', start: 2000 }), 'pid 1, uptime 0:00:00');
  });

  test('FATAL and BACKOFF show the spawn error, or unknown error (try "tail name")', () => {
    assert.equal(describeProcess({ ...info, statename: 'FATAL', spawnerr: 'Hosed' }), 'Hosed');
    assert.equal(describeProcess({ ...info, statename: 'FATAL' }), 'unknown error (try "tail web")');
    assert.equal(describeProcess({ ...info, statename: 'BACKOFF', spawnerr: "can't find command 'x'" }), "can't find command 'x'");
  });

  test('STOPPED and EXITED show Not started, or the stop time in local time', () => {
    assert.equal(describeProcess({ ...info, statename: 'STOPPED', start: 0 }), 'Not started');
    const stop = new Date(2026, 10, 22, 3, 30).getTime() / 1000;
    assert.equal(describeProcess({ ...info, statename: 'EXITED', stop }), 'Nov 22 03:30 AM');
    assert.equal(formatStopTime(new Date(2026, 0, 5, 12, 7).getTime() / 1000), 'Jan 05 12:07 PM');
    assert.equal(formatStopTime(new Date(2026, 0, 5, 0, 7).getTime() / 1000), 'Jan 05 12:07 AM');
  });

  test('STARTING, STOPPING and UNKNOWN have no description', () => {
    for (const statename of ['STARTING', 'STOPPING', 'UNKNOWN'] as const) assert.equal(describeProcess({ ...info, statename }), '');
  });

  test('timestamps are whole epoch seconds capped to a 32-bit int', () => {
    assert.equal(toInfoSeconds(1_700_000_000_999), 1_700_000_000);
    assert.equal(toInfoSeconds(5e12), 2 ** 31 - 1);
  });
});
