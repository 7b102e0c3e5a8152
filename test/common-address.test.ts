import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressMatcher, formatAddress, parseAddress, parseAddresses, type HostScope } from '../common/address.js';
import { isFleetError } from '../common/errors.js';
import { parseLabelPairs } from '../common/host.js';

const parts = (text: string) => {
  const { host, group, process } = parseAddress(text);
  return { host, group, process };
};

test('a bare name means group and process of that name, as supervisorctl reads it', () => {
  assert.deepEqual(parts('web'), { host: null, group: 'web', process: 'web' });
  assert.deepEqual(parts('web*'), { host: null, group: 'web*', process: 'web*' });
});

test('group: and group:* both mean the whole group, and all means everything', () => {
  assert.deepEqual(parts('web:'), { host: null, group: 'web', process: '*' });
  assert.deepEqual(parts('web:*'), { host: null, group: 'web', process: '*' });
  assert.deepEqual(parts('all'), { host: null, group: '*', process: '*' });
  assert.deepEqual(parts('web:worker_[0-3]'), { host: null, group: 'web', process: 'worker_[0-3]' });
});

test('a host part before the slash overrides the scope; host/ alone means all on that host', () => {
  assert.deepEqual(parts('db-*/worker:*'), { host: 'db-*', group: 'worker', process: '*' });
  assert.deepEqual(parts('web-1/'), { host: 'web-1', group: '*', process: '*' });
  assert.deepEqual(parts('web-1/all'), { host: 'web-1', group: '*', process: '*' });
  assert.deepEqual(parts('web-1/nginx'), { host: 'web-1', group: 'nginx', process: 'nginx' });
});

test('malformed addresses are refused with BAD_ADDRESS naming the text and the reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['/web', /host before "\/" is empty/],
    [':web', /group before ":" is empty/],
    ['a/b/c', /only one "\/"/],
    ['a:b:c', /only one ":"/],
    ['h:x/web', /host part may not contain ":"/],
    ['we b', /whitespace/],
    ['web\n', /control characters/],
    ['a,b', /commas/],
  ];
  for (const [text, why] of cases) {
    assert.throws(
      () => parseAddress(text),
      (err: unknown) => isFleetError(err, 'BAD_ADDRESS') && err.message.includes(JSON.stringify(text)) && why.test(err.message),
      JSON.stringify(text),
    );
  }
});

test('parseAddresses reports every bad address at once and reads an empty list as all', () => {
  assert.deepEqual(parseAddresses([]).map((a) => a.text), ['all']);
  assert.throws(
    () => parseAddresses(['ok', '', 'a:b:c']),
    (err: unknown) => isFleetError(err, 'BAD_ADDRESS') && /empty/.test(err.message) && /only one ":"/.test(err.message),
  );
});

test('an address without a host reaches the scope: the current host, every host, or a label selector', () => {
  const bare = new AddressMatcher(parseAddress('web:*'));
  const current: HostScope = { kind: 'host', host: 'h1' };
  assert.equal(bare.matchesHost('h1', {}, current), true);
  assert.equal(bare.matchesHost('h2', {}, current), false);
  assert.equal(bare.matchesHost('h2', {}, { kind: 'all' }), true);
  const web: HostScope = { kind: 'labels', selector: { role: 'web', zone: 'eu-1' } };
  assert.equal(bare.matchesHost('h3', { role: 'web', zone: 'eu-1', rack: '4' }, web), true);
  assert.equal(bare.matchesHost('h3', { role: 'web' }, web), false);
  const explicit = new AddressMatcher(parseAddress('db-?/worker:*'));
  assert.equal(explicit.matchesHost('db-1', {}, current), true, 'the host part overrides the scope');
  assert.equal(explicit.matchesHost('db-10', {}, { kind: 'all' }), false);
});

test('process globs follow fnmatch: star, question mark, sets and negated sets', () => {
  const m = new AddressMatcher(parseAddress('web:worker_[!0]?'));
  assert.equal(m.matchesProcess('web', 'worker_12'), true);
  assert.equal(m.matchesProcess('web', 'worker_01'), false);
  assert.equal(m.matchesProcess('webx', 'worker_12'), false);
});

test('literalHost is the host only when it names one host without globs', () => {
  assert.equal(new AddressMatcher(parseAddress('web-1/x')).literalHost, 'web-1');
  assert.equal(new AddressMatcher(parseAddress('web-*/x')).literalHost, null);
  assert.equal(new AddressMatcher(parseAddress('x')).literalHost, null);
});

test('addresses print as host/namespec, dropping the group when it equals the name', () => {
  assert.equal(formatAddress('h1', 'web', 'web'), 'h1/web');
  assert.equal(formatAddress('h1', 'web', 'web_01'), 'h1/web:web_01');
});

test('label pairs parse key=value lists, skip blanks and refuse an item without a key', () => {
  assert.deepEqual(parseLabelPairs('role=web, zone=eu-1,,'), { role: 'web', zone: 'eu-1' });
  assert.deepEqual(parseLabelPairs(''), {});
  assert.equal(parseLabelPairs('role=web,=x'), null);
  assert.equal(parseLabelPairs('justakey'), null);
});
