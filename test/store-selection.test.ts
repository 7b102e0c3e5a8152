import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddress } from '../common/address.js';
import { resolveSelection } from '../controller/store/history-selection.js';

const KNOWN = ['db-1', 'web-1', 'web-2', 'web-10'];
const addresses = (...texts: string[]) => texts.map(parseAddress);

test('no selection means everything', () => {
  assert.equal(resolveSelection(undefined, KNOWN), null);
});

test('hosts select every process of the known ones, in the known order', () => {
  assert.deepEqual(resolveSelection({ hosts: ['web-2', 'nowhere', 'db-1'] }, KNOWN), [
    { host: 'db-1', patterns: null },
    { host: 'web-2', patterns: null },
  ]);
});

test('a host glob reaches every known host it matches; without one, the scope hosts', () => {
  assert.deepEqual(resolveSelection({ addresses: addresses('web-?/api:*'), scopeHosts: [] }, KNOWN), [
    { host: 'web-1', patterns: [{ group: 'api', process: '*' }] },
    { host: 'web-2', patterns: [{ group: 'api', process: '*' }] },
  ]);
  assert.deepEqual(resolveSelection({ addresses: addresses('worker'), scopeHosts: ['web-10', 'gone'] }, KNOWN), [
    { host: 'web-10', patterns: [{ group: 'worker', process: 'worker' }] },
  ]);
  assert.deepEqual(resolveSelection({ addresses: addresses('web-1/x', 'web-[!1]*/y'), scopeHosts: [] }, KNOWN), [
    { host: 'web-1', patterns: [{ group: 'x', process: 'x' }] },
    { host: 'web-2', patterns: [{ group: 'y', process: 'y' }] },
  ]);
});

test('patterns of several addresses add up per host, and `all` covers the host', () => {
  assert.deepEqual(resolveSelection({ addresses: addresses('web-1/a', 'web-1/b:c', 'db-1/all', 'db-1/d'), scopeHosts: [] }, KNOWN), [
    { host: 'db-1', patterns: null },
    { host: 'web-1', patterns: [{ group: 'a', process: 'a' }, { group: 'b', process: 'c' }] },
  ]);
});

test('a literal host that is not known reaches nothing', () => {
  assert.deepEqual(resolveSelection({ addresses: addresses('web-3/all'), scopeHosts: [] }, KNOWN), []);
});
