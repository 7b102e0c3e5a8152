import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIniDocument, getEntry, readIni, type IniDocument } from '../common/ini.js';

// Expected values were checked against Python 3.11's RawConfigParser with supervisord's settings.

function read(text: string, file = 'a.conf'): { doc: IniDocument; errors: ReturnType<typeof readIni>['errors']; warnings: ReturnType<typeof readIni>['warnings'] } {
  const doc = createIniDocument();
  return { doc, ...readIni(doc, text, file) };
}

function values(doc: IniDocument, section: string): Record<string, string> {
  const s = doc.sections.get(section);
  assert.ok(s, `section ${section} exists`);
  return Object.fromEntries([...s.entries].map(([k, e]) => [k, e.value]));
}

test('inline comments start only after a space or tab', () => {
  const { doc, errors } = read('[a]\nk=b ;c\nx=b;c\nz = v\t#t\nurl=http://127.0.0.1:9001 ;c\n');
  assert.deepEqual(errors, []);
  assert.deepEqual(values(doc, 'a'), { k: 'b', x: 'b;c', z: 'v', url: 'http://127.0.0.1:9001' });
});

test('quotes do not protect a semicolon from the inline comment rule', () => {
  const { doc } = read("[a]\ncommand=bash -c 'foo ; bar'\n");
  assert.equal(values(doc, 'a').command, "bash -c 'foo");
});

test('the comment search stops at the first round that finds a valid prefix, as Python does', () => {
  const { doc } = read('[a]\ny=x#y #z ;c\n');
  assert.equal(values(doc, 'a').y, 'x#y #z');
});

test('full-line comments start with ; or #, even indented', () => {
  const { doc, errors } = read('; top\n# top\n[a]\n  ; inside\nk=1\n');
  assert.deepEqual(errors, []);
  assert.deepEqual(values(doc, 'a'), { k: '1' });
});

test('keys split at the first = or : and are lower-cased; values keep their case and quotes', () => {
  const { doc } = read("[a]\nKey: v : w\nOther = 'Quoted'\nempty=\n");
  assert.deepEqual(values(doc, 'a'), { key: 'v : w', other: "'Quoted'", empty: '' });
});

test('section names are case-sensitive', () => {
  const { doc } = read('[Prog]\nk=1\n[prog]\nk=2\n');
  assert.deepEqual([...doc.sections.keys()], ['Prog', 'prog']);
});

test('indented lines continue a value; blank lines inside stay, comment lines do not', () => {
  const { doc } = read('[a]\nmulti = one\n  two\n\n  three\n; c\n  four\nnext=1\n');
  assert.deepEqual(values(doc, 'a'), { multi: 'one\ntwo\n\nthree\nfour', next: '1' });
});

test('indented keys right after a header are keys, not continuations', () => {
  const { doc } = read('[a]\n  first = 1\n  second = 2\n');
  assert.deepEqual(values(doc, 'a'), { first: '1', second: '2' });
});

test('a duplicate section merges and a duplicate key takes the later value without an error', () => {
  const { doc, errors } = read('[a]\nk=1\n[b]\nk=2\n[a]\nk=3\nj=4\n');
  assert.deepEqual(errors, []);
  assert.deepEqual(values(doc, 'a'), { k: '3', j: '4' });
  assert.equal(doc.sections.get('a')!.line, 1);
  assert.equal(doc.sections.get('a')!.entries.get('k')!.line, 6);
});

test('every key keeps the file and line of its last assignment', () => {
  const doc = createIniDocument();
  readIni(doc, '[a]\nk=1\nj=2\n', '/etc/main.conf');
  readIni(doc, '\n[a]\nk=override\n', '/etc/conf.d/x.conf');
  assert.deepEqual(doc.sections.get('a')!.entries.get('k'), { value: 'override', file: '/etc/conf.d/x.conf', line: 3 });
  assert.deepEqual(doc.sections.get('a')!.entries.get('j'), { value: '2', file: '/etc/main.conf', line: 3 });
  assert.equal(doc.sections.get('a')!.file, '/etc/main.conf');
});

test('[DEFAULT] keys apply to sections that do not set them', () => {
  const { doc } = read('[DEFAULT]\nautostart=false\n[program:x]\ncommand=c\n[program:y]\nautostart=true\n');
  assert.equal(doc.sections.has('DEFAULT'), false);
  assert.equal(getEntry(doc, doc.sections.get('program:x')!, 'autostart')?.value, 'false');
  assert.equal(getEntry(doc, doc.sections.get('program:y')!, 'autostart')?.value, 'true');
});

test('CRLF line endings are read like LF', () => {
  const { doc } = read('[a]\r\nk=1\r\nj = 2 \r\n');
  assert.deepEqual(values(doc, 'a'), { k: '1', j: '2' });
});

test('text after a section header is ignored with a warning', () => {
  const { doc, warnings } = read('[a] junk\nk=1\n');
  assert.deepEqual(values(doc, 'a'), { k: '1' });
  assert.deepEqual(warnings, [{ file: 'a.conf', line: 1, section: 'a', message: "text after the section header is ignored: ' junk'" }]);
});

test('a line without a delimiter is an error with its file and line', () => {
  const { errors } = read('[a]\nk=1\nbogus line\n', '/x/s.conf');
  assert.deepEqual(errors, [{ file: '/x/s.conf', line: 3, section: 'a', message: "expected 'key = value' or 'key: value', got 'bogus line'" }]);
});

test('a key before any section is one error for the first such line', () => {
  const { errors } = read('k=1\nj=2\n[a]\nx=1\n');
  assert.deepEqual(errors, [{ file: 'a.conf', line: 1, message: "line before any [section] header: 'k=1'" }]);
});

test('an unterminated section header is an error and its keys are skipped', () => {
  const { doc, errors } = read('[a]\nk=1\n[program:x\ncommand=c\n[b]\nj=2\n');
  assert.deepEqual(errors, [{ file: 'a.conf', line: 3, message: "section header is missing its closing ']': '[program:x'" }]);
  assert.deepEqual(values(doc, 'a'), { k: '1' });
  assert.deepEqual(values(doc, 'b'), { j: '2' });
});

test('an empty key is an error', () => {
  const { errors } = read('[a]\n=value\n');
  assert.deepEqual(errors, [{ file: 'a.conf', line: 2, section: 'a', message: "no key before the '=': '=value'" }]);
});

test('all malformed lines of a file are reported at once', () => {
  const { errors } = read('[a]\nbad one\nk=1\nbad two\n[]\n');
  assert.deepEqual(
    errors.map((e) => e.line),
    [2, 4, 5],
  );
});
