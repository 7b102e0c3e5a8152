// The wire forms of ListProcesses' processes that the controller keeps per host
// (controller/grpc/convert-fleet.ts ListingForms): reused while a host's infos are the same
// objects, made again as soon as one of them is replaced, and always what converting the infos
// now gives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProcessInfo } from '../common/process-info.js';
import { ListingForms } from '../controller/grpc/convert-fleet.js';
import { toProtoProcessInfo } from '../controller/grpc/convert-process.js';
import { HostProcesses } from '../proto/gen/fleet/v1/fleet.js';
import { info } from './helpers/cli-fake-client.js';

type Listed = { host: string; info: ProcessInfo };

const decoded = (bytes: Buffer[]): Listed[] =>
  bytes.map((b) => HostProcesses.decode(b)).flatMap((h) => h.processes.map((p) => ({ host: h.host, info: p as unknown as ProcessInfo })));
const expected = (listed: Listed[]): Listed[] => listed.map((p) => ({ host: p.host, info: toProtoProcessInfo(p.info) as unknown as ProcessInfo }));

test("a host's encoded processes are reused while its infos are the same objects, and made again when one is replaced", () => {
  const forms = new ListingForms();
  const web = [info('api', 'api_0', 'RUNNING'), info('api', 'api_1', 'STOPPED')];
  const db = [info('pg', 'pg', 'RUNNING')];
  const listing = (): Listed[] => [...web.map((i) => ({ host: 'web-1', info: i })), ...db.map((i) => ({ host: 'db-1', info: i }))];

  const first = forms.hostProcesses(listing());
  assert.equal(first.length, 2, 'one message per host');
  assert.deepEqual(decoded(first), expected(listing()));
  const again = forms.hostProcesses(listing());
  assert.equal(again[0], first[0], 'the same bytes while nothing changed');
  assert.equal(again[1], first[1]);

  web[1] = info('api', 'api_1', 'RUNNING', { pid: 77 });
  const changed = forms.hostProcesses(listing());
  assert.notEqual(changed[0], first[0], 'web-1 made again');
  assert.equal(changed[1], first[1], 'db-1 kept');
  assert.deepEqual(decoded(changed), expected(listing()));
});

test('a part of a host, the same infos under another host name, and the form one by one all read right', () => {
  const forms = new ListingForms();
  const web = [info('api', 'api_0', 'RUNNING'), info('api', 'api_1', 'STOPPED')];
  const whole: Listed[] = web.map((i) => ({ host: 'web-1', info: i }));
  forms.hostProcesses(whole);
  const part: Listed[] = [whole[0]!];
  assert.deepEqual(decoded(forms.hostProcesses(part)), expected(part), 'the first process alone');
  assert.deepEqual(decoded(forms.hostProcesses(whole)), expected(whole), 'the whole host after its part');
  const renamed: Listed[] = web.map((i) => ({ host: 'web-2', info: i }));
  assert.deepEqual(decoded(forms.hostProcesses(renamed)), expected(renamed));
  const single = forms.processes(whole);
  assert.deepEqual(single, expected(whole).map((p) => ({ host: p.host, info: p.info as unknown })));
  assert.equal(forms.processes(whole)[1], single[1], 'kept one by one too');
  assert.deepEqual(forms.hostProcesses([]), []);
});
