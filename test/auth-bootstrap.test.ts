/**
 * `fleet-controller bootstrap --data DIR` as a real process: the first admin token once, a
 * second bootstrap refused, and a controller that runs meanwhile takes the token at once.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseToken } from '../controller/auth/tokens.js';
import { TokenRole } from '../proto/gen/fleet/v1/admin.js';
import { callWith, startAuthController } from './helpers/auth-harness.js';
import { runFleetController } from './helpers/controller-process.js';
import { makeTempDir } from './helpers/temp-dir.js';

const temp = makeTempDir('fleet-bootstrap-');
after(() => temp.remove());

const bootstrap = (...args: string[]): ReturnType<typeof runFleetController> => runFleetController(['bootstrap', ...args]);

test('bootstrap prints the first admin token alone on stdout, once; a second bootstrap is refused', async () => {
  const dir = temp.fresh();
  const first = await bootstrap('--data', dir);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^fvt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/);
  assert.match(first.stderr, /^The first admin token of the controller in .* \(name admin, id [0-9a-f]{16}\) is above\. It is shown this once/);

  const second = await bootstrap('--data', dir);
  assert.equal(second.code, 1);
  assert.equal(second.stdout, '');
  assert.match(second.stderr, /^Error: the controller store .*fleet\.db was bootstrapped before: its first admin token was shown then and is not shown again/);

  const secret = parseToken(first.stdout.trim())!.secret;
  for (const file of readdirSync(dir).filter((f) => f.startsWith('fleet.db'))) {
    assert.ok(!readFileSync(join(dir, file)).includes(Buffer.from(secret)), `${file} holds the token's secret`);
  }
});

test('bootstrap works while the controller runs, which takes the token at once and records the bootstrap', async () => {
  const ctl = await startAuthController();
  try {
    const out = await bootstrap('--data', ctl.dataDir, '--name', 'alice');
    assert.equal(out.code, 0, out.stderr);
    const token = out.stdout.trim();
    const created = await callWith(ctl.admin, ctl.admin.createToken, token, { name: 'ci', role: TokenRole.TOKEN_ROLE_VIEWER, scopes: [], ttlMs: 0n });
    assert.equal(created.token?.createdBy, 'alice');
    const audit = await callWith(ctl.admin, ctl.admin.listAudit, token, { sinceMs: 0n, who: '', limit: 0 });
    const row = audit.entries.find((e) => e.action === 'bootstrap');
    assert.deepEqual([row?.who, row?.tokenId, row?.result], ['bootstrap', parseToken(token)!.id, 'ok']);
    assert.match(row?.origin ?? '', /^local \(.*uid \d+\)$/);
    assert.deepEqual(row?.addresses, [parseToken(token)!.id, 'name=alice', 'role=admin']);
  } finally {
    await ctl.close();
  }
});

test('bootstrap without --data is a usage error', async () => {
  const out = await bootstrap();
  assert.equal(out.code, 2);
  assert.match(out.stderr, /^Error: required option '--data <dir>' not specified\nFor help, use fleet-controller bootstrap -h\n$/);
});
