import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitCommand, environmentTokens } from '../agent/config/shlex.js';
import { ConfigValueError } from '../agent/config/errors.js';

// Expected values below were produced by Python 3.11's shlex on this machine.

test('splitCommand groups a quoted argument into one word', () => {
  assert.deepEqual(splitCommand('/notthere "an argument"'), ['/notthere', 'an argument']);
});

test('splitCommand honours single quotes and backslash-escaped spaces', () => {
  assert.deepEqual(splitCommand("a 'b c' d\\ e"), ['a', 'b c', 'd e']);
});

test('splitCommand joins quoted parts that touch a word', () => {
  assert.deepEqual(splitCommand('a"b"c'), ['abc']);
});

test('splitCommand keeps an empty quoted argument', () => {
  assert.deepEqual(splitCommand("''"), ['']);
});

test('splitCommand returns no words for whitespace only', () => {
  assert.deepEqual(splitCommand(' \t\n '), []);
});

test('splitCommand treats # as an ordinary character', () => {
  assert.deepEqual(splitCommand('x #y'), ['x', '#y']);
});

test('splitCommand lets a backslash escape a double quote inside double quotes', () => {
  assert.deepEqual(splitCommand('"a\\"b"'), ['a"b']);
});

test('splitCommand keeps a backslash before other characters inside double quotes', () => {
  assert.deepEqual(splitCommand('"a\\yb"'), ['a\\yb']);
});

test('splitCommand keeps backslashes literally inside single quotes', () => {
  assert.deepEqual(splitCommand("'a\\'"), ['a\\']);
});

test('splitCommand splits on any run of spaces, tabs and newlines', () => {
  assert.deepEqual(splitCommand('a  b\t\nc'), ['a', 'b', 'c']);
});

test('splitCommand rejects an unbalanced quote with Python\'s message', () => {
  assert.throws(() => splitCommand('extraquote"'), (err: unknown) => {
    assert.ok(err instanceof ConfigValueError);
    assert.equal(err.message, 'No closing quotation');
    return true;
  });
});

test('splitCommand rejects a trailing backslash', () => {
  assert.throws(() => splitCommand('a\\'), { message: 'No escaped character' });
});

test('environmentTokens makes = and , tokens of their own', () => {
  assert.deepEqual(environmentTokens('foo=bar,baz=qux'), ['foo', '=', 'bar', ',', 'baz', '=', 'qux']);
});

test('environmentTokens keeps URLs and paths as one word', () => {
  assert.deepEqual(environmentTokens('HOME=/home/auser,FOO=/.foo+(1.2)-_/,URL=http://127.0.0.1:9001'), [
    'HOME', '=', '/home/auser', ',', 'FOO', '=', '/.foo+(1.2)-_/', ',', 'URL', '=', 'http://127.0.0.1:9001',
  ]);
});

test('environmentTokens treats # as a comment to the end of the line', () => {
  assert.deepEqual(environmentTokens('a=b#c\nd=e'), ['a', '=', 'b', 'd', '=', 'e']);
});

test('environmentTokens splits on an unquoted semicolon and star', () => {
  assert.deepEqual(environmentTokens('N=abc;def'), ['N', '=', 'abc', ';', 'def']);
  assert.deepEqual(environmentTokens('a=b*c'), ['a', '=', 'b', '*', 'c']);
});

test('environmentTokens accepts Latin-1 letters in words', () => {
  assert.deepEqual(environmentTokens('a=café,b=ü'), ['a', '=', 'café', ',', 'b', '=', 'ü']);
});

test('environmentTokens unescapes a backslash outside quotes', () => {
  assert.deepEqual(environmentTokens('a=b\\,c'), ['a', '=', 'b,c']);
});
