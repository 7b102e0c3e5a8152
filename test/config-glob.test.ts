import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fnmatch, globSync, hasMagic } from '../common/glob.js';
import { makeTempDir } from './helpers/temp-dir.js';

// Expected results were produced by Python 3.11's fnmatch.fnmatchcase and glob.glob.
const matches: [string, string, boolean][] = [
  ['web-1', 'web-*', true],
  ['web', 'web-*', false],
  ['a/b', 'a*', true],
  ['.x', '*', true],
  ['x', '?', true],
  ['xy', '?', false],
  ['b', '[abc]', true],
  ['d', '[abc]', false],
  ['d', '[!abc]', true],
  ['a', '[!abc]', false],
  [']', '[]]', true],
  [']', '[!]]', false],
  ['a', '[!]]', true],
  ['[', '[', true],
  ['[x', '[x', true],
  ['m', '[a-z]', true],
  ['M', '[a-z]', false],
  ['-', '[a-]', true],
  ['-', '[-a]', true],
  ['b', '[z-a]', false],
  ['b', '[!z-a]', true],
  ['*', '[*]', true],
  ['x', '[*]', false],
  ['\\', '[\\]', true],
  ['^', '[^]', true],
  ['a', '[^a]', true],
  ['a.b', 'a.b', true],
  ['axb', 'a.b', false],
  ['(x)', '(x)', true],
  ['x\ny', 'x*y', true],
  ['é', '?', true],
  ['worker_01', 'worker_??', true],
  ['a-c', 'a[!-]c', false],
  ['b', '[a-cx-z]', true],
  ['y', '[a-cx-z]', true],
  ['m', '[a-cx-z]', false],
  ['-', '[a--]', false],
  ['+', '[!--+]', true],
  ['abc', 'a**c', true],
];

for (const [name, pattern, expected] of matches) {
  test(`fnmatch(${JSON.stringify(name)}, ${JSON.stringify(pattern)}) is ${expected}`, () => {
    assert.equal(fnmatch(name, pattern), expected);
  });
}

test('hasMagic sees *, ? and [', () => {
  assert.equal(hasMagic('conf.d/*.conf'), true);
  assert.equal(hasMagic('a?'), true);
  assert.equal(hasMagic('[ab]'), true);
  assert.equal(hasMagic('/etc/supervisor/x.conf'), false);
});

let dir: { path: string; remove(): void };
before(() => {
  dir = makeTempDir();
  for (const d of ['conf.d', 'sub/a', 'sub/b', '.hid']) mkdirSync(join(dir.path, d), { recursive: true });
  for (const f of ['conf.d/x.conf', 'conf.d/y.conf', 'conf.d/.z.conf', 'conf.d/n.ini', 'sub/a/p.conf', 'sub/b/q.conf', 'sub/file.conf', '.hid/h.conf']) {
    writeFileSync(join(dir.path, f), '');
  }
  symlinkSync('../nowhere', join(dir.path, 'broken'));
});
after(() => dir.remove());

const globs: [string, string[]][] = [
  ['conf.d/*.conf', ['conf.d/x.conf', 'conf.d/y.conf']],
  ['conf.d/.*.conf', ['conf.d/.z.conf']],
  ['conf.d/*', ['conf.d/n.ini', 'conf.d/x.conf', 'conf.d/y.conf']],
  ['*/*.conf', ['conf.d/x.conf', 'conf.d/y.conf', 'sub/file.conf']],
  ['sub/*/*.conf', ['sub/a/p.conf', 'sub/b/q.conf']],
  ['sub/[ab]/*.conf', ['sub/a/p.conf', 'sub/b/q.conf']],
  ['*', ['broken', 'conf.d', 'sub']],
  ['conf.d/x.conf', ['conf.d/x.conf']],
  ['conf.d/nope.conf', []],
  ['nope/*.conf', []],
  ['broken/*.conf', []],
  ['.hid/*.conf', ['.hid/h.conf']],
  ['.*/*.conf', ['.hid/h.conf']],
  ['su?/', ['sub/']],
  ['sub/*/', ['sub/a/', 'sub/b/']],
];

for (const [pattern, expected] of globs) {
  test(`glob ${pattern} matches what Python's glob.glob matches`, () => {
    const prefix = dir.path + '/';
    const found = globSync(prefix + pattern).map((p) => p.slice(prefix.length)).sort();
    assert.deepEqual(found, expected);
  });
}

test('glob keeps the fixed parts of the pattern as written', () => {
  assert.deepEqual(globSync(`${dir.path}/sub/../conf.d/x*.conf`), [`${dir.path}/sub/../conf.d/x.conf`]);
});
