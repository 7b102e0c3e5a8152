import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseAutorestart,
  parseBoolean,
  parseByteSize,
  parseExitCodes,
  parseHostPort,
  parseInetAddress,
  parseInteger,
  parseLabels,
  parseListOfStrings,
  parseLogFileName,
  parseLogLevel,
  parseName,
  parseOctal,
  parseSignal,
  parseUser,
  parseUserGroup,
} from '../agent/config/values.js';
import type { Accounts } from '../agent/config/accounts.js';
import { ConfigValueError } from '../agent/config/errors.js';

function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigValueError, 'throws ConfigValueError');
    assert.equal(err.message, message);
    return true;
  });
}

test('booleans accept yes/true/on/1 and no/false/off/0 in any case', () => {
  for (const v of ['yes', 'TRUE', 'On', '1']) assert.equal(parseBoolean(v), true);
  for (const v of ['no', 'False', 'OFF', '0']) assert.equal(parseBoolean(v), false);
});

test('a boolean that is neither is refused with supervisord\'s message', () => {
  rejects(() => parseBoolean('maybe'), "not a valid boolean value: 'maybe'");
});

test('integers follow Python int(): sign, spaces and underscores', () => {
  assert.equal(parseInteger('42'), 42);
  assert.equal(parseInteger(' -5 '), -5);
  assert.equal(parseInteger('1_000'), 1000);
  rejects(() => parseInteger('1.5'), "invalid literal for int() with base 10: '1.5'");
  rejects(() => parseInteger('0x10'), "invalid literal for int() with base 10: '0x10'");
});

test('byte sizes take KB, MB and GB in any case, 1024-based', () => {
  assert.equal(parseByteSize('0'), 0);
  assert.equal(parseByteSize('1024'), 1024);
  assert.equal(parseByteSize('2kb'), 2048);
  assert.equal(parseByteSize('50MB'), 50 * 1024 * 1024);
  assert.equal(parseByteSize('1Gb'), 1024 ** 3);
});

test('byte sizes refuse 1TB, 1K and 1B', () => {
  rejects(() => parseByteSize('1TB'), "invalid literal for int() with base 10: '1tb'");
  rejects(() => parseByteSize('1K'), "invalid literal for int() with base 10: '1k'");
  rejects(() => parseByteSize('1B'), "invalid literal for int() with base 10: '1b'");
});

test('octal values are read in base 8', () => {
  assert.equal(parseOctal('022'), 0o22);
  assert.equal(parseOctal('0700'), 0o700);
  assert.equal(parseOctal('0o22'), 0o22);
  rejects(() => parseOctal('8'), '8 can not be converted to an octal type');
});

test('signals accept 9, KILL and SIGKILL and return the canonical name', () => {
  assert.equal(parseSignal('9'), 'SIGKILL');
  assert.equal(parseSignal('KILL'), 'SIGKILL');
  assert.equal(parseSignal('SIGKILL'), 'SIGKILL');
  assert.equal(parseSignal('term'), 'SIGTERM');
  assert.equal(parseSignal(' sigHup '), 'SIGHUP');
});

test('signal aliases and numbers map to Python\'s canonical names', () => {
  assert.equal(parseSignal('IOT'), 'SIGABRT');
  assert.equal(parseSignal('6'), 'SIGABRT');
  assert.equal(parseSignal('CLD'), 'SIGCHLD');
  assert.equal(parseSignal('29'), 'SIGIO');
});

test('a name that is not a signal is refused with supervisord\'s message', () => {
  rejects(() => parseSignal('FOO'), "value 'FOO' is not a valid signal name");
});

test('a number that is not a signal is refused', () => {
  rejects(() => parseSignal('99'), "value '99' is not a valid signal number");
  rejects(() => parseSignal('0'), "value '0' is not a valid signal number");
});

test('autorestart takes false, unexpected and true (and the boolean words)', () => {
  assert.equal(parseAutorestart('unexpected'), 'unexpected');
  assert.equal(parseAutorestart('TRUE'), 'true');
  assert.equal(parseAutorestart('off'), 'false');
  rejects(() => parseAutorestart('Sometimes'), "invalid 'autorestart' value 'sometimes'");
});

test('exit codes are comma-separated integers from 0 to 255', () => {
  assert.deepEqual(parseExitCodes('0'), [0]);
  assert.deepEqual(parseExitCodes('0, 2,255'), [0, 2, 255]);
  assert.deepEqual(parseExitCodes(''), []);
});

test('exit code 256 is refused with supervisord\'s message', () => {
  rejects(() => parseExitCodes('0,256'), "not a valid list of exit codes: '0,256'");
  rejects(() => parseExitCodes('-1'), "not a valid list of exit codes: '-1'");
  rejects(() => parseExitCodes('0,'), "not a valid list of exit codes: '0,'");
});

test('lists of strings are split at commas and trimmed', () => {
  assert.deepEqual(parseListOfStrings('a, b ,c'), ['a', 'b', 'c']);
  assert.deepEqual(parseListOfStrings(''), []);
});

test('log levels are supervisord\'s names', () => {
  assert.equal(parseLogLevel('INFO'), 'info');
  assert.equal(parseLogLevel('blather'), 'blather');
  rejects(() => parseLogLevel('warning'), "bad logging level name 'warning'");
});

test('names are stripped and refuse space, colon and slash', () => {
  assert.equal(parseName(' web '), 'web');
  rejects(() => parseName('x y'), "Invalid name: 'x y' because of character: ' '");
  rejects(() => parseName('a:b'), "Invalid name: 'a:b' because of character: ':'");
  rejects(() => parseName('a/b c'), "Invalid name: 'a/b c' because of character: ' '");
  rejects(() => parseName(''), "Invalid name: '' because it is empty");
});

test('log file names distinguish AUTO, NONE, OFF, syslog and paths', () => {
  assert.deepEqual(parseLogFileName('AUTO'), { kind: 'auto' });
  assert.deepEqual(parseLogFileName('none'), { kind: 'none' });
  assert.deepEqual(parseLogFileName('Off'), { kind: 'none' });
  assert.deepEqual(parseLogFileName('syslog'), { kind: 'syslog' });
  assert.deepEqual(parseLogFileName('/var/log/x.log'), { kind: 'file', path: '/var/log/x.log' });
});

const accounts: Accounts = {
  hasUser: (n) => n === 'www',
  hasUid: (u) => u === 33,
  hasGroup: (n) => n === 'web',
  hasGid: (g) => g === 33,
};

test('users must exist by name or by uid', () => {
  assert.equal(parseUser('www', accounts), 'www');
  assert.equal(parseUser('33', accounts), '33');
  rejects(() => parseUser('nobody-here', accounts), 'Invalid user name nobody-here');
  rejects(() => parseUser('4242', accounts), 'Invalid user id 4242');
});

test('user:group needs both to exist', () => {
  assert.equal(parseUserGroup('www:web', accounts), 'www:web');
  assert.equal(parseUserGroup('33:33', accounts), '33:33');
  assert.equal(parseUserGroup('www', accounts), 'www');
  rejects(() => parseUserGroup('www:nogroup', accounts), 'Invalid user:group definition www:nogroup');
  rejects(() => parseUserGroup('ghost:web', accounts), 'Invalid user:group definition ghost:web');
});

test('inet addresses: host:port, with :port, *:port and port meaning all interfaces', () => {
  assert.deepEqual(parseInetAddress('127.0.0.1:9001'), { host: '127.0.0.1', port: 9001 });
  assert.deepEqual(parseInetAddress('LocalHost:9001'), { host: 'localhost', port: 9001 });
  assert.deepEqual(parseInetAddress(':9001'), { host: '', port: 9001 });
  assert.deepEqual(parseInetAddress('*:9001'), { host: '', port: 9001 });
  assert.deepEqual(parseInetAddress('9001'), { host: '', port: 9001 });
});

test('inet addresses refuse bad ports', () => {
  rejects(() => parseInetAddress('abc'), "not a valid port number: 'abc'");
  rejects(() => parseInetAddress('host:'), "no port number specified in 'host:'");
  rejects(() => parseInetAddress('host:70000'), '70000 is above upper bound (65535)');
  rejects(() => parseInetAddress('host:0'), '0 is below lower bound (1)');
});

test('labels are k=v pairs separated by commas', () => {
  assert.deepEqual(parseLabels('role=web, zone=eu-1,'), { role: 'web', zone: 'eu-1' });
  assert.deepEqual(parseLabels(''), {});
  rejects(() => parseLabels('role'), "not a valid list of labels (expected key=value,...): 'role'");
});

test('the controller address is host:port', () => {
  assert.equal(parseHostPort('ctl.internal:7400'), 'ctl.internal:7400');
  assert.equal(parseHostPort('[::1]:7400'), '[::1]:7400');
  rejects(() => parseHostPort('ctl.internal'), "not a host:port address: 'ctl.internal'");
});
