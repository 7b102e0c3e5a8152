/**
 * fleetctl token create/list/revoke and fleetctl audit as real processes against a real
 * controller that enforces tokens (plaintext here: the token travels as it does over TLS, in
 * `authorization: Bearer` metadata).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseToken } from '../controller/auth/tokens.js';
import { startAuthController, type AuthController } from './helpers/auth-harness.js';
import { runFleetctl } from './helpers/controller-process.js';
import { makeTempDir } from './helpers/temp-dir.js';

describe('fleetctl token and audit', () => {
  let ctl: AuthController;
  const config = makeTempDir('fleetctl-config-');
  // No fleetctl.ini of whoever runs the tests gets in the way.
  const env = { XDG_CONFIG_HOME: config.path };
  const fleetctl = (token: string | null, ...args: string[]) =>
    runFleetctl(['--controller', ctl.address, '--insecure', ...(token === null ? [] : ['--token', token]), ...args], env);

  before(async () => {
    ctl = await startAuthController();
  });
  after(async () => {
    await ctl.close();
    config.remove();
  });

  test('token create prints the token alone on stdout and what it is on stderr; the token works', async () => {
    const out = await fleetctl(ctl.tokens.admin, 'token', 'create', '--role', 'operator', '--scope', 'web-*/*,db-1/*', '--name', 'ci', '--ttl', '1h');
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^fvt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/);
    assert.match(out.stderr, /^Token ci \(id [0-9a-f]{16}, role operator, scope web-\*\/\*,db-1\/\*, expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\) is above\. It is shown this once: keep it now\.\n$/);
    const hosts = await fleetctl(out.stdout.trim(), 'hosts');
    assert.equal(hosts.code, 0, hosts.stderr);
  });

  test('token create -o json gives the token and its record', async () => {
    const out = await fleetctl(ctl.tokens.admin, 'token', 'create', '--role', 'join', '-o', 'json');
    assert.equal(out.code, 0, out.stderr);
    const doc = JSON.parse(out.stdout) as Record<string, unknown>;
    assert.equal(parseToken(doc.token as string)?.id, doc.id);
    assert.deepEqual([doc.role, doc.scopes, doc.created_by], ['join', [], 'admin-token']);
    assert.ok((doc.expires_at_ms as number) > Date.now(), 'a join token expires (an hour by default)');
  });

  test('token list shows every token with its state, and never a secret', async () => {
    const out = await fleetctl(ctl.tokens.admin, 'token', 'list');
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ID {16}NAME +ROLE +SCOPE +STATE +EXPIRES +CREATED BY$/);
    assert.ok(lines.some((l) => /^[0-9a-f]{16}  ci +operator +web-\*\/\*,db-1\/\* +active +\d{4}-\d\d-\d\d \d\d:\d\d +admin-token$/.test(l)), out.stdout);
    assert.ok(lines.some((l) => /^[0-9a-f]{16}  viewer-token +viewer +\* +active +never +test$/.test(l)), out.stdout);
    for (const token of Object.values(ctl.tokens)) assert.ok(!out.stdout.includes(parseToken(token)!.secret));
    const json = JSON.parse((await fleetctl(ctl.tokens.admin, 'token', 'list', '-o', 'json')).stdout) as { tokens: { name: string; state: string }[] };
    assert.equal(json.tokens.find((t) => t.name === 'ci')?.state, 'active');
  });

  test('token revoke refuses the token from then on, and the audit trail shows who did what', async () => {
    const created = await fleetctl(ctl.tokens.admin, 'token', 'create', '--role', 'viewer', '--name', 'short-lived');
    const text = created.stdout.trim();
    const id = parseToken(text)!.id;
    const revoke = await fleetctl(ctl.tokens.admin, 'token', 'revoke', id);
    assert.deepEqual([revoke.code, revoke.stdout], [0, `Token short-lived (id ${id}) revoked\n`]);
    const refused = await fleetctl(text, 'hosts');
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, new RegExp(`^fleetctl: the controller at ${ctl.address.replace(/\./g, '\\.')} did not accept the credentials: the token short-lived \\(${id}\\) was revoked at `));

    const audit = await fleetctl(ctl.tokens.admin, 'audit', '--who', 'admin-token');
    assert.equal(audit.code, 0, audit.stderr);
    const adminId = parseToken(ctl.tokens.admin)!.id;
    const lines = audit.stdout.trimEnd().split('\n');
    assert.ok(lines.every((l) => l.includes(`admin-token (${adminId})`)), audit.stdout);
    assert.match(lines.at(-1)!, new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}  admin-token \\(${adminId}\\)  127\\.0\\.0\\.1:\\d+ +token revoke ${id} name=short-lived: ok$`));
    assert.ok(lines.some((l) => l.includes('token create') && l.includes('name=ci') && l.includes('role=operator') && l.endsWith(': ok')));
    const json = JSON.parse((await fleetctl(ctl.tokens.admin, 'audit', '--since', '1h', '-o', 'json')).stdout) as { entries: { action: string; token_id: string }[] };
    assert.ok(json.entries.some((e) => e.action === 'token revoke' && e.token_id === adminId));
    assert.ok(!audit.stdout.includes(parseToken(text)!.secret), 'a token in the audit trail');
  });

  test('a token below admin gets exit 4 and the controller\'s reason', async () => {
    for (const args of [['token', 'list'], ['audit']]) {
      const out = await fleetctl(ctl.tokens.operator, ...args);
      assert.equal(out.code, 4, out.stderr);
      assert.match(out.stderr, /^fleetctl: the controller at .* refused: (ListTokens|ListAudit) needs the admin role or above; token operator-token \([0-9a-f]{16}\) has the operator role\n$/);
    }
    const none = await fleetctl(null, 'status', '-A');
    assert.equal(none.code, 4);
    assert.match(none.stderr, /did not accept the credentials: this controller needs an API token: give fleetctl --token/);
  });

  test('bad words are usage errors that point at the help', async () => {
    const cases: [string[], RegExp][] = [
      [['token', 'create'], /^Error: give the role with --role viewer\|operator\|admin\|join\n/],
      [['token', 'create', '--role', 'root'], /^Error: give the role with --role viewer\|operator\|admin\|join, not "root"\n/],
      [['token', 'create', '--role', 'viewer', '--scope', 'web 1/*'], /^Error: --scope: bad address "web 1\/\*"/],
      [['token', 'create', '--role', 'viewer', '--ttl', 'soon'], /^Error: --ttl: not a duration: "soon"/],
      [['token', 'frob'], /^Error: no token command "frob" \(create, list, revoke\)\n/],
      [['token', 'revoke'], /^Error: give the id of one token to revoke/],
      [['audit', '--since', 'yesterday'], /^Error: --since: not a duration or a time/],
    ];
    for (const [args, message] of cases) {
      const out = await fleetctl(ctl.tokens.admin, ...args);
      assert.equal(out.code, 2, `${args.join(' ')}: ${out.stderr}`);
      assert.match(out.stderr, message);
      assert.match(out.stderr, new RegExp(`For help, use: fleetctl help ${args[0]}\\n$`));
    }
  });

  test('help token and help audit have examples', async () => {
    for (const topic of ['token', 'audit']) {
      const out = await fleetctl(null, 'help', topic);
      assert.equal(out.code, 0);
      assert.match(out.stdout, new RegExp(`\\nExamples:\\n  fleetctl ${topic} `));
    }
  });
});
