import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvironment } from '../agent/config/environment.js';
import { ConfigValueError } from '../agent/config/errors.js';

// Reference section 9 item 2 and section 1.5.

test('environment gives one key per pair', () => {
  assert.deepEqual(parseEnvironment('foo=bar,baz=qux'), { foo: 'bar', baz: 'qux' });
});

test('environment allows spaces and newlines around tokens', () => {
  assert.deepEqual(parseEnvironment(' foo = bar ,\n baz=qux '), { foo: 'bar', baz: 'qux' });
});

test('environment keeps a comma inside double quotes', () => {
  assert.deepEqual(parseEnvironment('foo="bar,baz"'), { foo: 'bar,baz' });
});

test('environment keeps a comma inside single quotes', () => {
  assert.deepEqual(parseEnvironment("K3='x,y'"), { K3: 'x,y' });
});

test('environment gives an empty string for empty quotes', () => {
  assert.deepEqual(parseEnvironment('foo=""'), { foo: '' });
});

test('environment allows a trailing comma', () => {
  assert.deepEqual(parseEnvironment('foo=bar,'), { foo: 'bar' });
});

test('environment of an empty value is empty', () => {
  assert.deepEqual(parseEnvironment(''), {});
});

test('environment unescapes quotes inside double quotes', () => {
  assert.deepEqual(parseEnvironment(`foo="'\\""`), { foo: `'"` });
});

test('environment parses unquoted paths and URLs', () => {
  assert.deepEqual(parseEnvironment('HOME=/home/auser,FOO=/.foo+(1.2)-_/,URL=http://127.0.0.1:9001'), {
    HOME: '/home/auser',
    FOO: '/.foo+(1.2)-_/',
    URL: 'http://127.0.0.1:9001',
  });
});

test('environment lets a later duplicate win', () => {
  assert.deepEqual(parseEnvironment('a=1,a=2'), { a: '2' });
});

test('environment keeps __proto__ as an ordinary key', () => {
  const env = parseEnvironment('__proto__=x');
  assert.deepEqual(Object.keys(env), ['__proto__']);
  assert.equal(env['__proto__'], 'x');
});

for (const bad of ['foo', 'foo=', 'foo=bar,baz', 'KEY1=x KEY2=y,', 'NOCOMMENT=abc;def']) {
  test(`environment rejects ${JSON.stringify(bad)} with supervisord's message`, () => {
    assert.throws(() => parseEnvironment(bad), (err: unknown) => {
      assert.ok(err instanceof ConfigValueError);
      assert.equal(err.message, `Unexpected end of key/value pairs in value '${bad}'`);
      return true;
    });
  });
}

test('environment accepts a quoted semicolon', () => {
  assert.deepEqual(parseEnvironment('NOCOMMENT="abc;def"'), { NOCOMMENT: 'abc;def' });
});

test('environment rejects an unbalanced quote and names the value', () => {
  assert.throws(() => parseEnvironment('a="x'), { message: `No closing quotation in value 'a="x'` });
});
