import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pyBytesRepr, pyRepr } from '../common/python-repr.js';

test('str repr matches Python 3.11 (quotes, escapes, non-printable characters)', () => {
  const cases: Array<[string, string]> = [
    ['web', "'web'"],
    ["it's", `"it's"`],
    [`both ' and "`, `'both \\' and "'`],
    ['tab\there', "'tab\\there'"],
    ['nl\n', "'nl\\n'"],
    ['bell\x07', "'bell\\x07'"],
    ['café', "'café'"],
    ['\u200b', "'\\u200b'"],
    ['nbsp\u00a0', "'nbsp\\xa0'"],
    ['\u{1F600}', "'\u{1F600}'"],
    ['back\\slash', "'back\\\\slash'"],
  ];
  for (const [input, expected] of cases) assert.equal(pyRepr(input), expected, JSON.stringify(input));
});

test('bytes repr matches Python 3.11', () => {
  const cases: Array<[Buffer, string]> = [
    [Buffer.from([0xff, 0x61, 0x62, 0x0a]), "b'\\xffab\\n'"],
    [Buffer.from("it's"), `b"it's"`],
    [Buffer.from(`both ' and "`), `b'both \\' and "'`],
    [Buffer.from([0x00, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x7f, 0x80]), "b'\\x00\\x1b[31m\\x7f\\x80'"],
    [Buffer.from('\\'), "b'\\\\'"],
  ];
  for (const [input, expected] of cases) assert.equal(pyBytesRepr(input), expected, input.toString('hex'));
});

test('pyRepr quotes as Python repr does', () => {
  assert.equal(pyRepr('abc'), "'abc'");
  assert.equal(pyRepr("it's"), `"it's"`);
  assert.equal(pyRepr(`it's "x"`), `'it\\'s "x"'`);
  assert.equal(pyRepr('a\nb\\'), "'a\\nb\\\\'");
});
