// fleetctl's command line and [supervisorctl] section, read as supervisorctl reads them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCtlArgs, type CtlOptions, type ParseContext } from '../cli/options.js';
import { makeTempDir } from './helpers/temp-dir.js';

const dir = makeTempDir('fleetctl-options-');
after(() => dir.remove());
// exeDir/.. is the temp dir itself, so the search list starts inside it and never finds /etc's file first.
const empty = join(dir.path, 'empty');
mkdirSync(join(empty, 'bin'), { recursive: true });

function ctx(cwd = empty): ParseContext {
  // The system's /etc/supervisor/supervisord.conf (Debian's supervisor package) is left out of the search.
  const exists = (p: string): boolean => !p.startsWith('/etc/') && existsSync(p);
  return { progname: 'fleetctl', cwd, exeDir: join(cwd, 'bin'), env: { HOME: '/home/t', SOCK: 'env.sock' }, home: '/home/t', exists };
}

function run(argv: string[], cwd?: string): CtlOptions {
  const r = parseCtlArgs(argv, ctx(cwd));
  assert.equal(r.kind, 'run', JSON.stringify(r));
  return (r as { options: CtlOptions }).options;
}

function usage(argv: string[], cwd?: string): string {
  const r = parseCtlArgs(argv, ctx(cwd));
  assert.equal(r.kind, 'exit');
  const exit = r as { code: number; stderr: string };
  assert.equal(exit.code, 2);
  return exit.stderr;
}

function conf(name: string, text: string): string {
  const path = join(dir.path, name);
  writeFileSync(path, text);
  return path;
}

test('flags set the server, the credentials and the action', () => {
  const o = run(['-s', 'unix:///tmp/a.sock', '-u', 'me', '--password=pw', 'status', '-x']);
  assert.equal(o.serverurl, 'unix:///tmp/a.sock');
  assert.equal(o.username, 'me');
  assert.equal(o.password, 'pw');
  assert.deepEqual(o.args, ['status', '-x']);
  assert.equal(o.interactive, false);
  assert.equal(o.output, 'text');
});

test('without a config file the server is http://localhost:9001 and no action opens the shell', () => {
  const o = run([]);
  assert.equal(o.configFile, null);
  assert.equal(o.serverurl, 'http://localhost:9001');
  assert.equal(o.prompt, 'supervisor');
  assert.equal(o.interactive, true);
});

test('[supervisorctl] gives the server, prompt, credentials and history; flags win', () => {
  const file = conf(
    'ctl.conf',
    '[supervisorctl]\nserverurl = unix://%(here)s/../%(ENV_SOCK)s ; comment\nprompt = web1\nusername = u\npassword = p\nhistory_file = ~/.ctl_history\n',
  );
  const o = run(['-c', file, 'status']);
  assert.equal(o.configFile, file);
  assert.equal(o.serverurl, `unix://${join(dir.path, '..', 'env.sock')}`);
  assert.equal(o.prompt, 'web1');
  assert.equal(o.username, 'u');
  assert.equal(o.password, 'p');
  assert.equal(o.historyFile, '/home/t/.ctl_history');
  assert.equal(run(['-c', file, '-s', 'http://h:1', '-u', 'x', 'status']).serverurl, 'http://h:1');
  assert.equal(run(['-c', file, '-s', 'http://h:1', '-u', 'x', 'status']).username, 'x');
});

test('a relative unix serverurl in the file is made absolute against the working directory', () => {
  const file = conf('rel.conf', '[supervisorctl]\nserverurl = unix://run/s.sock\n');
  assert.equal(run(['-c', file, 'status'], dir.path).serverurl, `unix://${join(dir.path, 'run/s.sock')}`);
});

test('the config file is found where supervisord looks for it', () => {
  const cwd = join(dir.path, 'search');
  mkdirSync(join(cwd, 'etc'), { recursive: true });
  writeFileSync(join(cwd, 'etc', 'supervisord.conf'), '[supervisorctl]\nserverurl = http://found:1\n');
  assert.equal(run(['status'], cwd).serverurl, 'http://found:1');
});

test('a file without [supervisorctl] is an error, as in supervisorctl', () => {
  const file = conf('nosection.conf', '[supervisord]\n');
  assert.equal(usage(['-c', file, 'status']), 'Error: .ini file does not include supervisorctl section\nFor help, use fleetctl -h\n');
});

test('a missing -c file, a bad URL, an unknown flag and a repeated flag are usage errors', () => {
  assert.equal(usage(['-c', 'nonexist.conf']), 'Error: could not find config file nonexist.conf\nFor help, use fleetctl -h\n');
  assert.equal(usage(['-s', 'foo']), "Error: invalid value for -s 'foo': value 'foo' is not a URL\nFor help, use fleetctl -h\n");
  assert.equal(usage(['-x']), 'Error: option -x not recognized\nFor help, use fleetctl -h\n');
  assert.equal(usage(['--bogus']), 'Error: option --bogus not recognized\nFor help, use fleetctl -h\n');
  assert.equal(usage(['-i', '-i']), "Error: conflicting command line option '-i'\nFor help, use fleetctl -h\n");
  assert.equal(usage(['-c']), 'Error: option -c requires argument\nFor help, use fleetctl -h\n');
  assert.equal(usage(['--interactive=3']), 'Error: option --interactive must not have an argument\nFor help, use fleetctl -h\n');
});

test('an expansion error in the section names the option', () => {
  const file = conf('badexp.conf', '[supervisorctl]\nprompt = %(here)s\n');
  assert.match(usage(['-c', file, 'status']), /^Error: Format string '%\(here\)s' for 'supervisorctl.prompt' contains names \('here'\) which cannot be expanded/);
});

test('-h prints the usage before reading any config; --history-file is taken as supervisorctl documents it', () => {
  const r = parseCtlArgs(['-c', '/nonexistent', '-h'], ctx());
  assert.equal(r.kind, 'exit');
  assert.equal((r as { code: number }).code, 0);
  assert.match((r as { stdout: string }).stdout, /^fleetctl -- control applications/);
  assert.equal(run(['--history-file', '/tmp/h', 'status']).historyFile, '/tmp/h');
  assert.equal(run(['--history_file=/tmp/h', 'status']).historyFile, '/tmp/h');
});

test('-i with an action runs the action (it does not open the shell); -o json is taken globally', () => {
  const o = run(['-i', '-o', 'json', 'status']);
  assert.equal(o.interactive, true);
  assert.deepEqual(o.args, ['status']);
  assert.equal(o.output, 'json');
});

test('only [supervisorctl] and [DEFAULT] are read: other sections, even broken ones, do not matter', () => {
  const file = conf(
    'big.conf',
    '[DEFAULT]\nprompt = fromdefault\n[program:x]\nthis line is not an option\n[supervisorctl] ; comment\nserverurl = http://a:1\n[program:y]\ncommand = z\n',
  );
  const o = run(['-c', file, 'status']);
  assert.equal(o.serverurl, 'http://a:1');
  assert.equal(o.prompt, 'fromdefault');
});
