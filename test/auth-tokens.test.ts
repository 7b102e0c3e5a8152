/**
 * Tokens without a controller: their text, what token create accepts, the order of roles, the
 * failure limiter, and the token store on a real SQLite file (tokens, sessions, bootstrap, the
 * audit reader).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { roleMeets } from '../controller/auth/access-control.js';
import { TokenAdmin } from '../controller/auth/token-admin.js';
import { FailureLimiter, originHost } from '../controller/auth/failure-limiter.js';
import { DEFAULT_JOIN_TTL_MS, issueToken } from '../controller/auth/token-issuer.js';
import { csrfMatches, csrfTokenOf, generateSessionSecret, generateToken, hashSecret, parseToken, secretMatches } from '../controller/auth/tokens.js';
import { openSqliteStore } from '../controller/store/sqlite-store.js';
import { openTokenDatabase } from '../controller/store/sqlite-tokens.js';
import { rejectsWith } from './helpers/fleet-error.js';
import { makeTempDir } from './helpers/temp-dir.js';

const temp = makeTempDir('fleet-tokens-');
after(() => temp.remove());

describe('token text', () => {
  test('a token reads fvt_<16 hex>_<43 base64url>, and parses back to its id and secret', () => {
    const { text, id, secretHash } = generateToken();
    assert.match(text, /^fvt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const parsed = parseToken(text);
    assert.equal(parsed?.id, id);
    assert.ok(secretMatches(parsed!.secret, secretHash));
    assert.ok(!secretMatches(`${parsed!.secret.slice(0, -1)}x`, secretHash));
  });

  test('two tokens never share an id or a secret', () => {
    const a = generateToken();
    const b = generateToken();
    assert.notEqual(a.id, b.id);
    assert.notEqual(a.text.slice(21), b.text.slice(21));
  });

  test('anything else is not a token', () => {
    for (const text of ['', 'fvt_', 'Bearer x', `fvt_${'0'.repeat(16)}_short`, `fvt_${'G'.repeat(16)}_${'a'.repeat(43)}`, `${generateToken().text} `]) {
      assert.equal(parseToken(text), null, text);
    }
  });

  test('a stored hash is sha256 of the secret only', () => {
    assert.equal(hashSecret('abc').toString('hex'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  test('a session CSRF token is derived from the cookie value, and only that value matches it', () => {
    const secret = generateSessionSecret();
    assert.match(secret, /^fvs_[A-Za-z0-9_-]{43}$/);
    assert.ok(csrfMatches(csrfTokenOf(secret), secret));
    assert.ok(!csrfMatches(csrfTokenOf(generateSessionSecret()), secret));
    assert.ok(!csrfMatches('', secret));
  });
});

describe('token create', () => {
  const now = 1_700_000_000_000;

  test('a token has the role, scopes and name asked for, created now and never expiring unless told', () => {
    const { token, text } = issueToken({ name: 'ci', role: 'operator', scopes: ['web-*/*', 'db-1/postgres'], ttlMs: 0 }, 'alice', now);
    assert.deepEqual({ ...token, id: '' }, { id: '', name: 'ci', role: 'operator', scopes: ['web-*/*', 'db-1/postgres'], createdBy: 'alice', createdAt: now, expiresAt: null, revokedAt: null });
    assert.equal(parseToken(text)?.id, token.id);
  });

  test('a ttl sets the expiry; a join token without one lives an hour', () => {
    assert.equal(issueToken({ name: '', role: 'viewer', scopes: [], ttlMs: 60_000 }, 'a', now).token.expiresAt, now + 60_000);
    assert.equal(issueToken({ name: '', role: 'join', scopes: [], ttlMs: 0 }, 'a', now).token.expiresAt, now + DEFAULT_JOIN_TTL_MS);
  });

  test('a token without a name is named after its role and id', () => {
    const { token } = issueToken({ name: '  ', role: 'viewer', scopes: [], ttlMs: 0 }, 'a', now);
    assert.equal(token.name, `viewer-${token.id.slice(0, 6)}`);
  });

  test('an unknown role, a bad scope, a scoped join token and a bad name are refused, saying why', () => {
    assert.throws(() => issueToken({ name: '', role: 'root', scopes: [], ttlMs: 0 }, 'a', now), { code: 'INCORRECT_PARAMETERS', message: /unknown role "root" \(roles: viewer, operator, admin, join\)/ });
    assert.throws(() => issueToken({ name: '', role: 'viewer', scopes: ['web 1/*'], ttlMs: 0 }, 'a', now), { code: 'BAD_ADDRESS', message: /^scope: bad address "web 1\/\*"/ });
    assert.throws(() => issueToken({ name: '', role: 'join', scopes: ['web-*/*'], ttlMs: 0 }, 'a', now), { code: 'INCORRECT_PARAMETERS', message: /a join token takes no scope/ });
    assert.throws(() => issueToken({ name: 'x'.repeat(65), role: 'viewer', scopes: [], ttlMs: 0 }, 'a', now), { code: 'INCORRECT_PARAMETERS' });
    assert.throws(() => issueToken({ name: 'a\nb', role: 'viewer', scopes: [], ttlMs: 0 }, 'a', now), { code: 'INCORRECT_PARAMETERS' });
    assert.throws(() => issueToken({ name: '', role: 'viewer', scopes: [], ttlMs: -1 }, 'a', now), { code: 'INCORRECT_PARAMETERS' });
  });
});

describe('roles', () => {
  test('viewer < operator < admin; join only for join; no token for agent methods', () => {
    const table = (['viewer', 'operator', 'admin', 'join'] as const).map((role) =>
      (['viewer', 'operator', 'admin', 'join', 'agent'] as const).map((req) => (roleMeets(role, req) ? 1 : 0)).join(''),
    );
    assert.deepEqual(table, ['10000', '11000', '11100', '00010']);
  });
});

describe('failure limiter', () => {
  test('an origin may fail `burst` times, is then refused, and may try once more per refill period', () => {
    const limiter = new FailureLimiter({ burst: 3, refillMs: 1000 });
    assert.equal(limiter.check('a', 0), 0);
    assert.deepEqual([limiter.fail('a', 0), limiter.fail('a', 0), limiter.fail('a', 0)], [false, false, true]);
    assert.equal(limiter.check('a', 0), 1000);
    assert.equal(limiter.check('a', 400), 600);
    assert.equal(limiter.check('b', 400), 0, 'other origins are not affected');
    assert.equal(limiter.check('a', 1000), 0);
    assert.equal(limiter.fail('a', 1000), true, 'one failure empties it again');
    assert.equal(limiter.check('a', 1000), 1000);
  });

  test('past its bound it forgets origins, refilled ones first', () => {
    const limiter = new FailureLimiter({ burst: 2, refillMs: 1000, maxOrigins: 2 });
    limiter.fail('a', 0);
    limiter.fail('a', 0);
    limiter.fail('b', 0);
    limiter.fail('b', 0);
    limiter.fail('c', 0);
    assert.equal(limiter.check('a', 0), 0, 'a was the oldest');
    assert.ok(limiter.check('b', 0) > 0);
  });

  test('origins are counted by IP, whatever the port', () => {
    assert.equal(originHost('127.0.0.1:5555'), '127.0.0.1');
    assert.equal(originHost('::1:5555'), '::1');
    assert.equal(originHost('[::1]:5555'), '::1');
    assert.equal(originHost('unknown'), 'unknown');
  });
});

describe('token store (SQLite)', () => {
  const token = (id: string, extra: object = {}) => ({
    id,
    name: `t-${id}`,
    role: 'viewer' as const,
    scopes: ['web-*/*'],
    createdBy: 'test',
    createdAt: 1000,
    expiresAt: null,
    revokedAt: null,
    ...extra,
  });
  const hash = Buffer.alloc(32, 7);

  test('a token is stored with its hash and read back as it was', async () => {
    await using db = openTokenDatabase(`${temp.fresh()}/fleet.db`);
    await db.tokens.addToken(token('00000000000000a1'), hash);
    const found = await db.tokens.getToken('00000000000000a1');
    assert.deepEqual(found?.token, token('00000000000000a1'));
    assert.deepEqual(Buffer.from(found!.secretHash), hash);
    assert.equal(await db.tokens.getToken('00000000000000ff'), null);
  });

  test('tokens are listed newest first; a revoked token keeps its first revocation time and loses its sessions', async () => {
    await using db = openTokenDatabase(`${temp.fresh()}/fleet.db`);
    await db.tokens.addToken(token('00000000000000a1', { createdAt: 1 }), hash);
    await db.tokens.addToken(token('00000000000000a2', { createdAt: 2 }), hash);
    assert.deepEqual((await db.tokens.listTokens()).map((t) => t.id), ['00000000000000a2', '00000000000000a1']);
    await db.tokens.addSession(Buffer.alloc(32, 1), { tokenId: '00000000000000a1', createdAt: 5, expiresAt: 10_000 });
    assert.equal((await db.tokens.revokeToken('00000000000000a1', 50))?.revokedAt, 50);
    assert.equal((await db.tokens.revokeToken('00000000000000a1', 60))?.revokedAt, 50);
    assert.equal(await db.tokens.getSession(Buffer.alloc(32, 1)), null);
    assert.equal(await db.tokens.revokeToken('00000000000000ff', 60), null);
  });

  test('sessions are found by hash and pruned once expired', async () => {
    await using db = openTokenDatabase(`${temp.fresh()}/fleet.db`);
    await db.tokens.addToken(token('00000000000000a1'), hash);
    await db.tokens.addSession(Buffer.alloc(32, 1), { tokenId: '00000000000000a1', createdAt: 5, expiresAt: 100 });
    await db.tokens.addSession(Buffer.alloc(32, 2), { tokenId: '00000000000000a1', createdAt: 5, expiresAt: 200 });
    assert.deepEqual(await db.tokens.getSession(Buffer.alloc(32, 2)), { tokenId: '00000000000000a1', createdAt: 5, expiresAt: 200 });
    assert.equal(await db.tokens.pruneSessions(150), 1);
    assert.equal(await db.tokens.getSession(Buffer.alloc(32, 1)), null);
    await db.tokens.deleteSession(Buffer.alloc(32, 2));
    assert.equal(await db.tokens.getSession(Buffer.alloc(32, 2)), null);
  });

  test('bootstrap stores the token, marks the database and writes the audit row, once', async () => {
    const path = `${temp.fresh()}/fleet.db`;
    await using db = openTokenDatabase(path);
    const audit = { time: 1000, who: 'bootstrap', tokenId: '00000000000000b1', origin: 'local', action: 'bootstrap', addresses: ['00000000000000b1'], hosts: [], result: 'ok' };
    assert.equal(await db.tokens.bootstrapped(), false);
    await db.tokens.bootstrap(token('00000000000000b1', { role: 'admin' }), hash, audit);
    assert.equal(await db.tokens.bootstrapped(), true);
    await rejectsWith(db.tokens.bootstrap(token('00000000000000b2', { role: 'admin' }), hash, audit), 'FAILED', /was bootstrapped before/);
    assert.equal(await db.tokens.getToken('00000000000000b2'), null, 'the refused bootstrap stored nothing');
    assert.deepEqual(await db.tokens.listAudit({ since: 0, who: '', limit: 10 }), [{ ...audit, id: 1 }]);
  });

  test('the audit reader filters by time and by who (token name or id), newest rows kept, oldest first', async () => {
    await using store = await openSqliteStore({ path: `${temp.fresh()}/fleet.db` });
    const row = (time: number, who: string, tokenId: string) => ({ time, who, tokenId, origin: 'o', action: `a${time}`, addresses: ['web:*'], hosts: [], result: 'ok' });
    for (const r of [row(10, 'alice', '00000000000000a1'), row(20, 'bob', '00000000000000b1'), row(30, 'alice', '00000000000000a1'), row(40, 'anonymous', '')]) await store.recordAction(r);
    const actions = async (query: { since?: number; who?: string; limit?: number }) =>
      (await store.tokens.listAudit({ since: 0, who: '', limit: 10, ...query })).map((e) => `${e.action} ${e.who} ${e.tokenId}`);
    assert.deepEqual(await actions({}), ['a10 alice 00000000000000a1', 'a20 bob 00000000000000b1', 'a30 alice 00000000000000a1', 'a40 anonymous ']);
    assert.deepEqual(await actions({ who: 'alice' }), ['a10 alice 00000000000000a1', 'a30 alice 00000000000000a1']);
    assert.deepEqual(await actions({ who: '00000000000000b1' }), ['a20 bob 00000000000000b1']);
    assert.deepEqual(await actions({ since: 20, limit: 2 }), ['a30 alice 00000000000000a1', 'a40 anonymous ']);
    assert.deepEqual(await actions({ who: 'carol' }), []);
  });

  test('the database file never holds a token secret, only its hash', async () => {
    const path = `${temp.fresh()}/fleet.db`;
    const issued = issueToken({ name: 'x', role: 'admin', scopes: [], ttlMs: 0 }, 'test', 1);
    {
      await using db = openTokenDatabase(path);
      await db.tokens.addToken(issued.token, issued.secretHash);
    }
    const secret = parseToken(issued.text)!.secret;
    assert.ok(!readFileSync(path).includes(Buffer.from(secret)));
  });
});

describe('audit reader', () => {
  test('the audit trail read right after a command waits for the actions still being recorded behind their commands', async () => {
    await using db = openTokenDatabase(`${temp.fresh()}/fleet.db`);
    let finishRecording!: () => void;
    const recording = new Promise<void>((resolve) => (finishRecording = resolve));
    const admin = new TokenAdmin({ tokens: db.tokens, record: async () => {}, recorded: () => recording });
    let read = false;
    const entries = admin.listAudit({}).then((rows) => {
      read = true;
      return rows;
    });
    for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(read, false, 'still waiting for the record');
    finishRecording();
    assert.deepEqual(await entries, []);
  });
});
