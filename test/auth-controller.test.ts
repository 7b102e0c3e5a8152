/**
 * Tokens against the real controller: expired and revoked tokens, a brute-force loop of bad
 * tokens (rate limited and logged, the tokens' text never), AdminService's token create, list
 * and revoke with their audit rows, and insecure mode, where every caller is an anonymous admin.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { credentials, status } from '@grpc/grpc-js';
import { parseToken } from '../controller/auth/tokens.js';
import { TokenRole } from '../proto/gen/fleet/v1/admin.js';
import { callWith, failureOf, startAuthController, type AuthController } from './helpers/auth-harness.js';
import { call, startTestController } from './helpers/controller-harness.js';
import { waitFor } from './helpers/wait-for.js';
import { grpcClientConstructor } from '../proto/grpc-js.js';
import { AdminServiceDefinition } from '../proto/gen/fleet/v1/admin.js';

const listHosts = (ctl: AuthController, token: string | null) => callWith(ctl.fleet, ctl.fleet.listHosts, token, { hosts: [], labels: undefined });

async function refusal(promise: Promise<unknown>): Promise<{ code: string; fault: string | undefined; details: string }> {
  try {
    await promise;
  } catch (err) {
    const f = failureOf(err);
    return { ...f, code: status[f.code] };
  }
  assert.fail('the call was let in');
}

/** Every byte the controller wrote: its database files and its log. */
function everything(ctl: AuthController): Buffer {
  const files = readdirSync(ctl.dataDir).filter((f) => f.startsWith('fleet.db')).map((f) => readFileSync(join(ctl.dataDir, f)));
  return Buffer.concat([...files, Buffer.from(ctl.logText())]);
}

describe('tokens that expired or were revoked', () => {
  let ctl: AuthController;
  before(async () => {
    ctl = await startAuthController();
  });
  after(() => ctl.close());

  test('an expired token is refused, and its holder is told it expired', async () => {
    const { text } = await ctl.mint({ role: 'viewer', name: 'old' }, { expiresAt: Date.now() - 1000 });
    const refused = await refusal(listHosts(ctl, text));
    assert.equal(refused.code, 'UNAUTHENTICATED');
    assert.match(refused.details, /^the token old \([0-9a-f]{16}\) expired at \d{4}-/);
  });

  test('a token that expires while in use works until then and not after', async () => {
    const { text } = await ctl.mint({ role: 'viewer', name: 'brief', ttlMs: 1500 });
    await listHosts(ctl, text);
    const refused = await waitFor(
      () => listHosts(ctl, text).then(
        () => null,
        (err: unknown) => failureOf(err),
      ),
      { what: 'the token to expire', intervalMs: 100 },
    );
    assert.match(refused.details, /expired/);
  });

  test('a wrong secret for a real token id gets the same answer as garbage, telling nothing', async () => {
    const real = parseToken(ctl.tokens.viewer)!;
    const wrong = `fvt_${real.id}_${'A'.repeat(43)}`;
    const a = await refusal(listHosts(ctl, wrong));
    const b = await refusal(listHosts(ctl, 'letmein'));
    assert.deepEqual(a, b);
    assert.equal(a.details, 'the token is not valid (unknown, malformed, expired or revoked)');
    assert.equal(a.fault, 'UNAUTHENTICATED');
  });

  test('a revoked token is refused from the next call on, and the revocation is in the audit trail', async () => {
    const { text, token } = await ctl.mint({ role: 'operator', name: 'to-revoke' });
    await listHosts(ctl, text);
    const res = await callWith(ctl.admin, ctl.admin.revokeToken, ctl.tokens.admin, { id: token.id });
    assert.ok(res.token!.revokedAtMs > 0n);
    const refused = await refusal(listHosts(ctl, text));
    assert.match(refused.details, /^the token to-revoke \([0-9a-f]{16}\) was revoked at/);
    const audit = await callWith(ctl.admin, ctl.admin.listAudit, ctl.tokens.admin, { sinceMs: 0n, who: '', limit: 0 });
    const row = audit.entries.find((e) => e.action === 'token revoke');
    assert.deepEqual([row?.who, row?.addresses, row?.result], ['admin-token', [token.id, 'name=to-revoke'], 'ok']);
    assert.equal(row?.tokenId, parseToken(ctl.tokens.admin)!.id);
  });

  test('revoking an unknown id says so and is recorded as a failure', async () => {
    const refused = await refusal(callWith(ctl.admin, ctl.admin.revokeToken, ctl.tokens.admin, { id: 'ffffffffffffffff' }));
    assert.deepEqual([refused.code, refused.fault], ['NOT_FOUND', 'BAD_NAME']);
    const audit = await callWith(ctl.admin, ctl.admin.listAudit, ctl.tokens.admin, { sinceMs: 0n, who: 'admin-token', limit: 0 });
    assert.match(audit.entries.at(-1)!.result, /^1 failed: BAD_NAME no such token$/);
  });
});

describe('a brute-force loop of bad tokens', () => {
  let ctl: AuthController;
  before(async () => {
    ctl = await startAuthController({ failures: { burst: 5, refillMs: 60_000 } });
  });
  after(() => ctl.close());

  test('is refused with RATE_LIMITED after the burst, valid tokens from there included, and logged without the tokens', async () => {
    const tried: string[] = [];
    const codes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const guess = `fvt_${i.toString(16).padStart(16, '0')}_${`guess${i}`.padEnd(43, 'x')}`;
      tried.push(guess);
      codes.push((await refusal(listHosts(ctl, guess))).fault ?? '');
    }
    assert.deepEqual(codes, [...Array(5).fill('UNAUTHENTICATED'), ...Array(15).fill('RATE_LIMITED')]);
    const limited = await refusal(listHosts(ctl, ctl.tokens.admin));
    assert.equal(limited.fault, 'RATE_LIMITED');
    assert.match(limited.details, /too many failed authentications from 127\.0\.0\.1; try again in \d+ s/);

    const log = ctl.logText();
    assert.equal(log.match(/WARN authentication failed from 127\.0\.0\.1: unknown token id [0-9a-f]{16}/g)?.length, 5);
    assert.match(log, /WARN 127\.0\.0\.1 failed to authenticate 5 times in a short while: its calls are refused \(RATE_LIMITED\)/);
    const written = everything(ctl);
    for (const guess of tried) assert.ok(!written.includes(guess.slice(21)), `the secret part of ${guess} is in the log or the database`);
    for (const token of Object.values(ctl.tokens)) assert.ok(!written.includes(token.slice(21)));
  });

  test('calls without any token do not count against the origin', async () => {
    const other = await startAuthController({ failures: { burst: 2, refillMs: 60_000 } });
    try {
      for (let i = 0; i < 5; i++) assert.equal((await refusal(listHosts(other, null))).fault, 'UNAUTHENTICATED');
      await listHosts(other, other.tokens.viewer);
    } finally {
      await other.close();
    }
  });
});

describe('AdminService: token create, list and revoke', () => {
  let ctl: AuthController;
  before(async () => {
    ctl = await startAuthController();
  });
  after(() => ctl.close());

  test('a created token is shown once, works with its role, and is listed without its secret', async () => {
    const created = await callWith(ctl.admin, ctl.admin.createToken, ctl.tokens.admin, { name: 'ci', role: TokenRole.TOKEN_ROLE_OPERATOR, scopes: ['web-*/*'], ttlMs: 3_600_000n });
    assert.match(created.text, /^fvt_[0-9a-f]{16}_/);
    assert.equal(parseToken(created.text)!.id, created.token!.id);
    assert.deepEqual([created.token!.name, created.token!.role, created.token!.scopes, created.token!.createdBy], ['ci', TokenRole.TOKEN_ROLE_OPERATOR, ['web-*/*'], 'admin-token']);
    assert.ok(created.token!.expiresAtMs > BigInt(Date.now()));

    await listHosts(ctl, created.text);
    assert.equal((await refusal(callWith(ctl.admin, ctl.admin.listTokens, created.text, {}))).code, 'PERMISSION_DENIED');

    const listed = await callWith(ctl.admin, ctl.admin.listTokens, ctl.tokens.admin, {});
    assert.ok(listed.tokens.some((t) => t.id === created.token!.id && t.name === 'ci'));
    assert.ok(!JSON.stringify(listed, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).includes(created.text.slice(21)));

    const audit = await callWith(ctl.admin, ctl.admin.listAudit, ctl.tokens.admin, { sinceMs: 0n, who: 'admin-token', limit: 0 });
    const row = audit.entries.find((e) => e.action === 'token create' && e.addresses[0] === created.token!.id);
    assert.deepEqual(row?.addresses.slice(0, 4), [created.token!.id, 'name=ci', 'role=operator', 'scope=web-*/*']);
    assert.equal(row?.result, 'ok');
    assert.match(row?.origin ?? '', /^127\.0\.0\.1:\d+$/);
    assert.ok(!everything(ctl).includes(created.text.slice(21)), 'the new token is in the log or the database');
  });

  test('a request the controller cannot honour is refused and recorded as a failure', async () => {
    const refused = await refusal(callWith(ctl.admin, ctl.admin.createToken, ctl.tokens.admin, { name: '', role: TokenRole.TOKEN_ROLE_JOIN, scopes: ['web-1/*'], ttlMs: 0n }));
    assert.equal(refused.fault, 'INCORRECT_PARAMETERS');
    const audit = await callWith(ctl.admin, ctl.admin.listAudit, ctl.tokens.admin, { sinceMs: 0n, who: '', limit: 1 });
    assert.deepEqual(audit.entries[0]?.addresses, ['role=join', 'scope=web-1/*']);
    assert.match(audit.entries[0]?.result ?? '', /^1 failed: INCORRECT_PARAMETERS a join token takes no scope/);
  });

  test('a token without a role is refused', async () => {
    assert.equal((await refusal(callWith(ctl.admin, ctl.admin.createToken, ctl.tokens.admin, { name: 'x', role: TokenRole.TOKEN_ROLE_UNSPECIFIED, scopes: [], ttlMs: 0n }))).fault, 'INCORRECT_PARAMETERS');
  });
});

describe('insecure mode', () => {
  test('every caller is an anonymous admin: tokens can be made, and actions are recorded as anonymous', async () => {
    const ctl = await startTestController();
    const Admin = grpcClientConstructor(AdminServiceDefinition);
    const admin = new Admin(ctl.address, credentials.createInsecure());
    try {
      const created = await call(admin.createToken, admin as never, { name: 'prepared', role: TokenRole.TOKEN_ROLE_VIEWER, scopes: [], ttlMs: 0n });
      assert.equal(created.token?.createdBy, 'anonymous');
      const audit = await call(admin.listAudit, admin as never, { sinceMs: 0n, who: 'anonymous', limit: 0 });
      assert.deepEqual(audit.entries.map((e) => [e.action, e.tokenId]), [['token create', '']]);
    } finally {
      admin.close();
      await ctl.close();
    }
  });
});
