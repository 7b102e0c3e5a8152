import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSearchPaths, findConfigFile, loadConfig } from '../agent/config/load.js';
import type { LoadOptions } from '../agent/config/types.js';
import { makeTempDir } from './helpers/temp-dir.js';

const dir = makeTempDir();
after(() => dir.remove());
const ENV = { HOME: '/home/tester', PATH: '/usr/bin:/bin', CONFD: 'conf.d' };
let counter = 0;

/** Writes `files` (relative path -> text) under a fresh directory and loads `main` from it. */
function loadTree(files: Record<string, string>, main = 'supervisord.conf', options: LoadOptions = {}) {
  const root = join(dir.path, `tree-${++counter}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return { root, result: loadConfig(join(root, main), { env: ENV, hostname: 'testhost', cwd: root, ...options }) };
}

test('included files are read in sorted order, relative to the including file', () => {
  const { root, result } = loadTree({
    'etc/supervisord.conf': '[supervisord]\n[include]\nfiles = conf.d/*.conf\n',
    'etc/conf.d/b.conf': '[program:b]\ncommand=/bin/b\n',
    'etc/conf.d/a.conf': '[program:a]\ncommand=/bin/a\n',
    'etc/conf.d/skip.ini': '[program:c]\ncommand=/bin/c\n',
  }, 'etc/supervisord.conf');
  assert.ok(result.ok);
  assert.deepEqual(result.config.files, [join(root, 'etc/supervisord.conf'), join(root, 'etc/conf.d/a.conf'), join(root, 'etc/conf.d/b.conf')]);
  assert.deepEqual(result.config.groups.map((g) => g.name), ['a', 'b']);
});

test('several globs may be given on one line or on continuation lines', () => {
  const { result } = loadTree({
    'supervisord.conf': '[supervisord]\n[include]\nfiles = one.conf\n  two/*.conf three.conf\n',
    'one.conf': '[program:one]\ncommand=/bin/1\n',
    'two/x.conf': '[program:two]\ncommand=/bin/2\n',
    'three.conf': '[program:three]\ncommand=/bin/3\n',
  });
  assert.ok(result.ok);
  assert.deepEqual(result.config.groups.map((g) => g.name).sort(), ['one', 'three', 'two']);
});

test('an include glob that matches nothing is a warning at the files line', () => {
  const { root, result } = loadTree({ 'supervisord.conf': '[supervisord]\n[include]\nfiles=nothing/*.conf\n' });
  assert.ok(result.ok);
  assert.deepEqual(result.warnings, [
    { file: join(root, 'supervisord.conf'), line: 3, section: 'include', key: 'files', message: `No file matches via include "${root}/nothing/*.conf"` },
  ]);
});

test('[include] files may use here, host_node_name and ENV_ names', () => {
  const { result } = loadTree({
    'supervisord.conf': '[supervisord]\n[include]\nfiles=%(here)s/%(ENV_CONFD)s/%(host_node_name)s.conf\n',
    'conf.d/testhost.conf': '[program:p]\ncommand=/bin/p\n',
  });
  assert.ok(result.ok);
  assert.equal(result.config.groups[0]!.name, 'p');
});

test('%(here)s is the directory of the file that holds the option', () => {
  const { root, result } = loadTree({
    'supervisord.conf': '[supervisord]\nlogfile=%(here)s/main.log\n[include]\nfiles=sub/*.conf\n',
    'sub/p.conf': '[program:p]\ncommand=%(here)s/run\n',
  });
  assert.ok(result.ok);
  assert.equal(result.config.supervisord.logfile, join(root, 'main.log'));
  assert.equal(result.config.groups[0]!.processes[0]!.command, `${join(root, 'sub')}/run`);
});

test('an included file can override a key of the main file, and diagnostics point into it', () => {
  const { root, result } = loadTree({
    'supervisord.conf': '[supervisord]\n[program:p]\ncommand=/bin/p\nstartsecs=1\n[include]\nfiles=override.conf\n',
    'override.conf': '\n[program:p]\nstartsecs=never\n',
  });
  assert.ok(!result.ok);
  assert.deepEqual(result.errors, [
    { file: join(root, 'override.conf'), line: 3, section: 'program:p', key: 'startsecs', message: "invalid literal for int() with base 10: 'never'" },
  ]);
});

test('included files cannot include further files', () => {
  const { root, result } = loadTree({
    'supervisord.conf': '[supervisord]\n[include]\nfiles=a.conf\n',
    'a.conf': '[include]\nfiles=b.conf\n',
    'b.conf': '[program:b]\ncommand=/bin/b\n',
  });
  assert.ok(result.ok);
  assert.deepEqual(result.config.groups, []);
  assert.deepEqual(result.warnings, [
    { file: join(root, 'a.conf'), line: 2, section: 'include', key: 'files', message: 'included files cannot include further files; this [include] is ignored' },
  ]);
});

test('[include] without files is refused', () => {
  const { result } = loadTree({ 'supervisord.conf': '[supervisord]\n[include]\n' });
  assert.ok(!result.ok);
  assert.deepEqual(result.errors.map((e) => e.message), ['.ini file has [include] section, but no files setting']);
});

test('errors in several files are all reported, main file first', () => {
  const { root, result } = loadTree({
    'supervisord.conf': '[supervisord]\nnodaemon=perhaps\n[include]\nfiles=*.ini\n',
    'x.ini': '[program:x]\ncommand=/bin/x\nstopsignal=NOPE\nbad line\n',
  });
  assert.ok(!result.ok);
  assert.deepEqual(
    result.errors.map((e) => [e.file, e.line]),
    [
      [join(root, 'supervisord.conf'), 2],
      [join(root, 'x.ini'), 3],
      [join(root, 'x.ini'), 4],
    ],
  );
});

test('supervisord is looked for in the documented order', () => {
  assert.deepEqual(configSearchPaths({ exeDir: '/opt/sv/bin', cwd: '/work' }), [
    '/opt/sv/etc/supervisord.conf',
    '/opt/sv/supervisord.conf',
    '/work/supervisord.conf',
    '/work/etc/supervisord.conf',
    '/etc/supervisord.conf',
    '/etc/supervisor/supervisord.conf',
  ]);
});

test('findConfigFile returns the first path that exists, or null', () => {
  const present = new Set(['/work/etc/supervisord.conf', '/etc/supervisor/supervisord.conf']);
  assert.equal(findConfigFile({ exeDir: '/opt/sv/bin', cwd: '/work', exists: (p) => present.has(p) }), '/work/etc/supervisord.conf');
  assert.equal(findConfigFile({ exeDir: '/opt/sv/bin', cwd: '/work', exists: () => false }), null);
});
