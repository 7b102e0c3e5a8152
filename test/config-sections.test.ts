import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../agent/config/load.js';
import type { Config, ConfigDiagnostic, ConfigResult, LoadOptions } from '../agent/config/types.js';
import { makeTempDir } from './helpers/temp-dir.js';

const dir = makeTempDir();
after(() => dir.remove());
const ENV = { HOME: '/home/tester', PATH: '/usr/bin:/bin' };
let counter = 0;

function load(text: string, options: LoadOptions = {}): ConfigResult & { file: string } {
  const file = join(dir.path, `sections-${++counter}.conf`);
  writeFileSync(file, text);
  return { ...loadConfig(file, { env: ENV, hostname: 'testhost', cwd: dir.path, ...options }), file };
}

function ok(text: string, options: LoadOptions = {}): Config & { warnings: ConfigDiagnostic[] } {
  const result = load(text, options);
  assert.ok(result.ok, `expected a valid config, got ${JSON.stringify(!result.ok && result.errors)}`);
  return { ...result.config, warnings: result.warnings };
}

function messages(text: string): string[] {
  const result = load(text);
  assert.ok(!result.ok, 'the config must be refused');
  return result.errors.map((e) => e.message);
}

// [unix_http_server] and [inet_http_server]

test('[unix_http_server] takes file (with %(here)s), chmod, chown and auth', () => {
  const config = ok('[supervisord]\n[unix_http_server]\nfile=%(here)s/s.sock\nchmod=0770\nchown=root:root\nusername=u\npassword={SHA}abc\n');
  assert.deepEqual(config.unixHttpServer, { file: join(dir.path, 's.sock'), chmod: 0o770, chown: 'root:root', username: 'u', password: '{SHA}abc' });
});

test('[unix_http_server] defaults chmod to 0700 and chown to the agent user', () => {
  const config = ok('[supervisord]\n[unix_http_server]\nfile=/tmp/x.sock\n');
  assert.deepEqual(config.unixHttpServer, { file: '/tmp/x.sock', chmod: 0o700, chown: null, username: null, password: null });
});

test('[unix_http_server] needs a file and valid chmod and chown', () => {
  assert.deepEqual(messages('[supervisord]\n[unix_http_server]\nchmod=999\nchown=nobody-fv:nogroup-fv\n'), [
    'section [unix_http_server] has no file value',
    'Invalid chmod value 999',
    'Invalid sockchown value nobody-fv:nogroup-fv',
  ]);
});

test('[inet_http_server] port forms all parse', () => {
  assert.deepEqual(ok('[supervisord]\n[inet_http_server]\nport=127.0.0.1:9001\n').inetHttpServer, { host: '127.0.0.1', port: 9001, username: null, password: null });
  for (const port of [':9001', '*:9001', '9001']) {
    assert.deepEqual(ok(`[supervisord]\n[inet_http_server]\nport=${port}\n`).inetHttpServer, { host: '', port: 9001, username: null, password: null });
  }
});

test('[inet_http_server] with a username and no password is incomplete authentication', () => {
  const result = load('[supervisord]\n[inet_http_server]\nport=9001\nusername=user\n');
  assert.ok(!result.ok);
  assert.deepEqual(result.errors, [
    {
      file: result.file,
      line: 4,
      section: 'inet_http_server',
      key: 'username',
      message:
        'Section [inet_http_server] contains incomplete authentication: ' +
        'If a username or a password is specified, both the username and password must be specified',
    },
  ]);
});

test('[inet_http_server] needs a valid port', () => {
  assert.deepEqual(messages('[supervisord]\n[inet_http_server]\n'), ['section [inet_http_server] has no port value']);
  assert.deepEqual(messages('[supervisord]\n[inet_http_server]\nport=notaport\n'), ["not a valid port number: 'notaport'"]);
});

// [supervisorctl]

test('[supervisorctl] reads serverurl, credentials, prompt and history_file', () => {
  const config = ok('[supervisord]\n[supervisorctl]\nserverurl=unix://%(here)s/../x/s.sock\nusername=u\npassword=p\nprompt=fleet\nhistory_file=~/.hist\n');
  assert.deepEqual(config.supervisorctl, {
    serverurl: `unix://${join(dir.path, '..', 'x', 's.sock')}`,
    username: 'u',
    password: 'p',
    prompt: 'fleet',
    historyFile: '/home/tester/.hist',
  });
});

// [group:x]

test('[group:x] must name programs that exist', () => {
  const result = load('[supervisord]\n[group:g]\nprograms=a,missing\n[program:a]\ncommand=/bin/a\n');
  assert.ok(!result.ok);
  assert.deepEqual(result.errors, [
    { file: result.file, line: 3, section: 'group:g', key: 'programs', message: '[group:g] names unknown program or fcgi-program missing' },
  ]);
});

test('[group:x] needs a programs line', () => {
  assert.deepEqual(messages('[supervisord]\n[group:g]\npriority=1\n'), ['[group:g] section requires a "programs" line']);
});

test('[group:x] refuses a name that is both a program and an fcgi-program', () => {
  const [ambiguous, clash] = messages(
    '[supervisord]\n[group:g]\nprograms=a\n[program:a]\ncommand=/bin/a\n[fcgi-program:a]\ncommand=/bin/a\nsocket=tcp://localhost:9000\n',
  );
  assert.equal(ambiguous, '[group:g] name a is ambiguous (exists as program and fcgi-program)');
  // Left out of the group, the two sections also clash as groups of their own.
  assert.match(clash!, /^group name 'a' is already used by \[program:a\]/);
});

// [eventlistener:x]

test('[eventlistener:x] is a pool with events, buffer_size, result_handler and priority -1', () => {
  const config = ok('[supervisord]\n[eventlistener:l]\ncommand=/bin/l\nevents=process_state_fatal,TICK_60,TICK_60\nbuffer_size=20\n');
  const [pool] = config.groups;
  assert.equal(pool!.kind, 'eventlistener');
  assert.equal(pool!.priority, -1);
  assert.deepEqual(pool!.eventListener, {
    events: ['PROCESS_STATE_FATAL', 'TICK_60'],
    bufferSize: 20,
    resultHandler: 'supervisor.dispatchers:default_handler',
  });
  assert.equal(pool!.processes[0]!.name, 'l');
});

test('[eventlistener:x] without events is refused with supervisord\'s message', () => {
  assert.deepEqual(messages('[supervisord]\n[eventlistener:x]\ncommand=/bin/l\n'), ['[eventlistener:x] section requires an "events" line']);
});

test('[eventlistener:x] refuses an unknown event type, buffer_size 0 and redirect_stderr (reference 9 item 20)', () => {
  assert.deepEqual(messages('[supervisord]\n[eventlistener:x]\ncommand=/bin/l\nevents=FOO\nbuffer_size=0\nredirect_stderr=true\n'), [
    'Unknown event type FOO in [eventlistener:x] events',
    '[eventlistener:x] section sets invalid buffer_size (0)',
    '[eventlistener:x] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol',
  ]);
});

test('[eventlistener:x] refuses a result handler fleetvisor cannot run', () => {
  const [message] = messages('[supervisord]\n[eventlistener:x]\ncommand=/bin/l\nevents=TICK_5\nresult_handler=my.mod:handler\n');
  assert.match(message!, /^my\.mod:handler cannot be resolved within \[eventlistener:x\]/);
});

// [fcgi-program:x]

test('[fcgi-program:x] takes a tcp socket', () => {
  const config = ok('[supervisord]\n[fcgi-program:f]\ncommand=/bin/f\nsocket=tcp://LocalHost:9000\nsocket_backlog=128\n');
  const [group] = config.groups;
  assert.equal(group!.kind, 'fcgi-program');
  assert.deepEqual(group!.fcgi, { socket: 'tcp://localhost:9000', socketBacklog: 128, socketOwner: null, socketMode: 0o700 });
});

test('[fcgi-program:x] takes a unix socket with %(program_name)s and here, owner and mode', () => {
  const config = ok('[supervisord]\n[fcgi-program:f]\ncommand=/bin/f\nsocket=unix://%(here)s/%(program_name)s.sock\nsocket_owner=root\nsocket_mode=0660\n');
  assert.deepEqual(config.groups[0]!.fcgi, { socket: `unix://${join(dir.path, 'f.sock')}`, socketBacklog: null, socketOwner: 'root', socketMode: 0o660 });
});

test('[fcgi-program:x] socket errors', () => {
  assert.deepEqual(messages('[supervisord]\n[fcgi-program:f]\ncommand=/bin/f\n'), ['[fcgi-program:f] section requires a "socket" line']);
  assert.deepEqual(messages('[supervisord]\n[fcgi-program:f]\ncommand=/bin/f\nsocket=unix://rel/path.sock\n'), [
    'Unix socket path rel/path.sock is not an absolute path in [fcgi-program:f] socket',
  ]);
  assert.deepEqual(messages('[supervisord]\n[fcgi-program:f]\ncommand=/bin/f\nsocket=tcp://localhost:9000\nsocket_mode=0600\n'), [
    'socket_owner and socket_mode params should only be used with a Unix domain socket in [fcgi-program:f] socket',
  ]);
  assert.deepEqual(messages('[supervisord]\n[fcgi-program:f]\ncommand=/bin/f\nsocket=udp://x:1\nsocket_backlog=0\n'), [
    'Bad socket format udp://x:1 in [fcgi-program:f] socket',
    'Invalid socket_backlog value 0',
  ]);
});

// [rpcinterface:x]

test('[rpcinterface:supervisor] is accepted and its extra keys are not warned about', () => {
  const config = ok('[supervisord]\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\nretries=1\n');
  assert.deepEqual(config.warnings, []);
});

test('[rpcinterface:x] without a factory is refused', () => {
  assert.deepEqual(messages('[supervisord]\n[rpcinterface:x]\nfoo=1\n'), ['section [rpcinterface:x] does not specify a supervisor.rpcinterface_factory']);
});

// [fleet]

test('[fleet] defaults: the hostname, no labels, no controller, the state directory', () => {
  const config = ok('[supervisord]\n');
  const stateDir = process.getuid?.() === 0 ? '/var/lib/fleetvisor' : '/home/tester/.local/state/fleetvisor';
  assert.deepEqual(config.fleet, { host: 'testhost', labels: {}, controller: null, insecure: false, stateDir, spoolMaxBytes: 64 * 1024 * 1024, joinToken: null, caFingerprint: null });
});

test('[fleet] reads host, labels, controller, insecure, state_dir and spool_max_bytes', () => {
  const config = ok('[supervisord]\n[fleet]\nhost=web-1\nlabels=role=web,zone=eu-1\ncontroller=ctl.internal:7400\ninsecure=true\nstate_dir=~/state\nspool_max_bytes=1MB\n');
  assert.deepEqual(config.fleet, {
    host: 'web-1',
    labels: { role: 'web', zone: 'eu-1' },
    controller: 'ctl.internal:7400',
    insecure: true,
    stateDir: '/home/tester/state',
    spoolMaxBytes: 1024 * 1024,
    joinToken: null,
    caFingerprint: null,
  });
});

test('[fleet] reads join_token and ca_fingerprint (any case, colons allowed) for enrollment on start', () => {
  const hex = 'AB'.repeat(32);
  const config = ok(`[supervisord]\n[fleet]\ncontroller=ctl:7400\njoin_token=fvt_0123456789abcdef_secret\nca_fingerprint=SHA256:${hex.match(/../g)!.join(':')}\n`);
  assert.equal(config.fleet.joinToken, 'fvt_0123456789abcdef_secret');
  assert.equal(config.fleet.caFingerprint, `sha256:${'ab'.repeat(32)}`);
});

test('[fleet] refuses a join_token without ca_fingerprint, and a fingerprint that is not one', () => {
  assert.deepEqual(messages('[supervisord]\n[fleet]\njoin_token=fvt_x\n'), [
    'join_token needs ca_fingerprint too: the agent enrolls with a join token and checks the controller by its CA fingerprint',
  ]);
  assert.match(messages(`[supervisord]\n[fleet]\njoin_token=fvt_x\nca_fingerprint=md5:abc\n`).join('\n'), /not a CA fingerprint: "md5:abc"; expected sha256: and 64 hex digits/);
});

test('[fleet] refuses bad labels, controller and host', () => {
  assert.deepEqual(messages('[supervisord]\n[fleet]\nhost=a/b\nlabels=role\ncontroller=nocolon\n'), [
    "Invalid name: 'a/b' because of character: '/'",
    "not a valid list of labels (expected key=value,...): 'role'",
    "not a host:port address: 'nocolon'",
  ]);
});

test('[fleet] refuses a spool_max_bytes that is not a size or is below 64KB', () => {
  assert.deepEqual(messages('[supervisord]\n[fleet]\nspool_max_bytes=lots\n'), ["invalid literal for int() with base 10: 'lots'"]);
  assert.deepEqual(messages('[supervisord]\n[fleet]\nspool_max_bytes=1KB\n'), ['spool_max_bytes must be at least 64KB, got 1KB']);
});

// Warnings

test('unknown keys and sections are warnings with their location', () => {
  const config = ok('[supervisord]\nbogus=1\n[program:x]\ncommand=/bin/cat\ncommnad=typo\n[wat]\nk=v\n');
  const file = join(dir.path, `sections-${counter}.conf`);
  assert.deepEqual(config.warnings, [
    { file, line: 2, section: 'supervisord', key: 'bogus', message: 'unknown key, ignored' },
    { file, line: 5, section: 'program:x', key: 'commnad', message: 'unknown key, ignored' },
    { file, line: 6, section: 'wat', message: 'unknown section, ignored' },
  ]);
});

test('AUTO logging without rollover warns with supervisord\'s text (reference 9 item 7)', () => {
  const config = ok('[supervisord]\n[program:foo]\ncommand=/bin/cat\nstdout_logfile_maxbytes=0\n');
  assert.deepEqual(
    config.warnings.map((w) => [w.line, w.key, w.message]),
    [
      [
        4,
        'stdout_logfile_maxbytes',
        'For [program:foo], AUTO logging used for stdout_logfile without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally',
      ],
    ],
  );
});

test('redirect_stderr with a stderr_logfile warns and the file is dropped', () => {
  const config = ok(`[supervisord]\n[program:x]\ncommand=/bin/cat\nredirect_stderr=true\nstderr_logfile=${dir.path}/err.log\n`);
  assert.deepEqual(config.groups[0]!.processes[0]!.stderr.logfile, { kind: 'none' });
  assert.equal(config.groups[0]!.processes[0]!.redirectStderr, true);
  assert.deepEqual(
    config.warnings.map((w) => [w.key, w.message]),
    [['stderr_logfile', 'For [program:x], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored']],
  );
});

test('a syslog log file is rewritten to *_syslog=true with a deprecation warning', () => {
  const config = ok('[supervisord]\n[program:x]\ncommand=/bin/cat\nstdout_logfile=syslog\n');
  const p = config.groups[0]!.processes[0]!;
  assert.deepEqual(p.stdout.logfile, { kind: 'none' });
  assert.equal(p.stdout.syslog, true);
  assert.deepEqual(
    config.warnings.map((w) => w.message),
    ['For [program:x], stdout_logfile=syslog but this is deprecated and will be removed.  Use stdout_syslog=true to enable syslog instead.'],
  );
});

test('stdout capture on an event listener is reported as not applying', () => {
  const config = ok('[supervisord]\n[eventlistener:l]\ncommand=/bin/l\nevents=TICK_5\nstdout_capture_maxbytes=1MB\n');
  assert.deepEqual(
    config.warnings.map((w) => [w.line, w.key]),
    [[5, 'stdout_capture_maxbytes']],
  );
});
