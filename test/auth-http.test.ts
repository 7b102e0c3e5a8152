/**
 * The dashboard's HTTP side with tokens enforced, against a real controller over real HTTP:
 * sign-in into a session cookie (HttpOnly, SameSite=Strict, Secure over https), a CSRF token and
 * this server's origin on every mutating request, sign-out, sessions stored hashed and dying
 * with their token, roles and scopes on /api, and insecure mode answering loopback names only.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AccessControl } from '../controller/auth/access-control.js';
import { Sessions } from '../controller/auth/sessions.js';
import { startHttpServer } from '../controller/http/http-server.js';
import { silentLog } from '../controller/log.js';
import { openTokenDatabase } from '../controller/store/sqlite-tokens.js';
import { callWith, startAuthController, type AuthController } from './helpers/auth-harness.js';
import { startTestController } from './helpers/controller-harness.js';
import { protoProcess, ScriptedAgent } from './helpers/scripted-agent.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json(): Record<string, unknown>;
}

/** One HTTP(S) request with exactly these headers (fetch would add or refuse some). */
function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const make = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = make(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, ...(options.ca ? { ca: options.ca, servername: 'localhost' } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => (body += s));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const json = (value: unknown) => ({ 'content-type': 'application/json', body: JSON.stringify(value) });

describe('dashboard HTTP with tokens', () => {
  let ctl: AuthController;
  let base: string;
  let origin: string;
  let agent: ScriptedAgent;

  /** Signs in with `token`; the session's cookie header and CSRF token. */
  const signIn = async (token: string): Promise<{ cookie: string; csrf: string; setCookie: string }> => {
    const { body, ...type } = json({ token });
    const res = await send(`${base}/sign-in`, { method: 'POST', headers: { 'content-type': type['content-type'], origin }, body });
    assert.equal(res.status, 200, res.body);
    const setCookie = res.headers['set-cookie']![0]!;
    return { cookie: setCookie.split(';')[0]!, csrf: res.json().csrf_token as string, setCookie };
  };
  const control = (headers: Record<string, string>, body: unknown = { action: 'restart', addresses: ['web-1/web:*'] }) =>
    send(`${base}/api/control`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  before(async () => {
    ctl = await startAuthController();
    base = ctl.controller.httpUrl;
    origin = base;
    ctl.agentHost = 'web-1';
    agent = await ScriptedAgent.connect(ctl.address, { host: 'web-1', autoAnswer: true });
    agent.snapshot([protoProcess('web', 'web_0'), protoProcess('api', 'api')]);
    ctl.agentHost = 'db-1';
    const db = await ScriptedAgent.connect(ctl.address, { host: 'db-1', autoAnswer: true });
    db.snapshot([protoProcess('db', 'db')]);
    ctl.agentHost = null;
    const processes = async () => (await send(`${base}/api/processes`, { headers: { authorization: `Bearer ${ctl.tokens.viewer}` } })).json().processes as unknown[];
    await waitFor(async () => (await processes()).length === 3, { what: 'both snapshots' });
    after(() => db.kill());
  });
  after(async () => {
    agent.kill();
    await ctl.close();
  });

  test('without a session the API answers 401 and / offers the sign-in form', async () => {
    const api = await send(`${base}/api/hosts`);
    assert.equal(api.status, 401);
    assert.deepEqual((api.json().error as { fault: string }).fault, 'UNAUTHENTICATED');
    const page = await send(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.body, /<form method="post" action="\/sign-in">/);
    assert.doesNotMatch(page.body, /web-1/);
    assert.equal((await send(`${base}/healthz`)).status, 200, 'health needs no session');
  });

  test('signing in sets an HttpOnly, SameSite=Strict session cookie (not Secure over plain http) and gives the CSRF token', async () => {
    const { setCookie, csrf } = await signIn(ctl.tokens.viewer);
    assert.match(setCookie, /^fleet_session=fvs_[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    assert.match(csrf, /^[A-Za-z0-9_-]{43}$/);
  });

  test('a session reads the API with its token\'s role and scope', async () => {
    const scoped = await ctl.mint({ role: 'viewer', name: 'web-viewer', scopes: ['web-1/*'] });
    const { cookie } = await signIn(scoped.text);
    const hosts = await send(`${base}/api/hosts`, { headers: { cookie } });
    assert.equal(hosts.status, 200);
    assert.deepEqual((hosts.json().hosts as { name: string }[]).map((h) => h.name), ['web-1']);
    const session = (await send(`${base}/api/session`, { headers: { cookie } })).json();
    assert.deepEqual([session.name, session.role, session.scopes], ['web-viewer', 'viewer', ['web-1/*']]);
    const page = await send(`${base}/`, { headers: { cookie } });
    assert.match(page.body, /signed in as <b>web-viewer<\/b> \(viewer\)/);
    assert.match(page.body, /<input type="hidden" name="csrf_token" value="[A-Za-z0-9_-]{43}">/);
    assert.doesNotMatch(page.body, /db-1/);
  });

  test('a mutating request without the CSRF token, or with a wrong one, is refused; with it, it acts and is audited', async () => {
    const { cookie, csrf } = await signIn(ctl.tokens.operator);
    const n = agent.received.commands.length;
    const missing = await control({ cookie, origin });
    assert.equal(missing.status, 403);
    assert.match((missing.json().error as { message: string }).message, /CSRF token/);
    const wrong = await control({ cookie, origin, 'x-csrf-token': csrf.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) });
    assert.equal(wrong.status, 403);
    assert.equal(agent.received.commands.length, n, 'nothing reached the agent');
    const ok = await control({ cookie, origin, 'x-csrf-token': csrf });
    assert.equal(ok.status, 200, ok.body);
    assert.deepEqual(ok.json(), { results: [{ host: 'web-1', group: 'web', name: 'web_0', fault: null, description: 'OK' }], errors: [] });
    const audit = await callWith(ctl.admin, ctl.admin.listAudit, ctl.tokens.admin, { sinceMs: 0n, who: 'operator-token', limit: 1 });
    assert.deepEqual([audit.entries[0]?.action, audit.entries[0]?.addresses, audit.entries[0]?.result], ['restart', ['web-1/web:*'], 'ok']);
  });

  test('a mutating request from another origin, or a form with no origin at all, is refused even with the CSRF token', async () => {
    const { cookie, csrf } = await signIn(ctl.tokens.operator);
    const n = agent.received.commands.length;
    const cross = await control({ cookie, origin: 'http://evil.example', 'x-csrf-token': csrf });
    assert.equal(cross.status, 403);
    assert.match((cross.json().error as { message: string }).message, /a request from http:\/\/evil\.example may not change anything here/);
    const referer = await control({ cookie, referer: 'http://evil.example/page', 'x-csrf-token': csrf });
    assert.equal(referer.status, 403);
    const fetchSite = await control({ cookie, origin, 'sec-fetch-site': 'cross-site', 'x-csrf-token': csrf });
    assert.equal(fetchSite.status, 403);
    const form = await send(`${base}/sign-out`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf_token=${csrf}` });
    assert.equal(form.status, 403);
    assert.equal(agent.received.commands.length, n);
    const crossSignIn = await send(`${base}/sign-in`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' }, body: `token=${ctl.tokens.viewer}` });
    assert.equal(crossSignIn.status, 403, 'no signing a victim in from elsewhere');
  });

  test('a viewer session with its CSRF token still cannot act', async () => {
    const { cookie, csrf } = await signIn(ctl.tokens.viewer);
    const res = await control({ cookie, origin, 'x-csrf-token': csrf });
    assert.equal(res.status, 403);
    assert.match((res.json().error as { message: string }).message, /^Control needs the operator role or above; token viewer-token/);
  });

  test('a Bearer token needs no cookie and no CSRF token (scripts), and no origin', async () => {
    const res = await control({ authorization: `Bearer ${ctl.tokens.operator}` });
    assert.equal(res.status, 200, res.body);
  });

  test('bad tokens and join tokens cannot sign in', async () => {
    const bad = await send(`${base}/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ token: 'fvt_nope' }) });
    assert.equal(bad.status, 401);
    assert.equal(bad.headers['set-cookie'], undefined);
    const join = await send(`${base}/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ token: ctl.tokens.join }) });
    assert.equal(join.status, 403);
    assert.match((join.json().error as { message: string }).message, /is a join token: it only enrolls agents and cannot sign in/);
  });

  test('the form flow: sign in with a form, see the page, sign out with the form', async () => {
    const signedIn = await send(`${base}/sign-in`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin }, body: `token=${encodeURIComponent(ctl.tokens.viewer)}` });
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.headers.location, '/');
    const cookie = signedIn.headers['set-cookie']![0]!.split(';')[0]!;
    const page = await send(`${base}/`, { headers: { cookie } });
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(page.body)![1]!;
    const out = await send(`${base}/sign-out`, { method: 'POST', headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf_token=${csrf}` });
    assert.equal(out.status, 303);
    assert.match(out.headers['set-cookie']![0]!, /^fleet_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/);
    assert.equal((await send(`${base}/api/hosts`, { headers: { cookie } })).status, 401, 'the session is gone');
    const failed = await send(`${base}/sign-in`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin }, body: 'token=fvt_wrong' });
    assert.equal(failed.status, 401);
    assert.match(failed.body, /<p class="problem">the token is not valid/);
  });

  test('sign-out needs the CSRF token', async () => {
    const { cookie, csrf } = await signIn(ctl.tokens.viewer);
    const refused = await send(`${base}/sign-out`, { method: 'POST', headers: { cookie, origin, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(refused.status, 403);
    assert.equal((await send(`${base}/api/hosts`, { headers: { cookie } })).status, 200, 'still signed in');
    const out = await send(`${base}/sign-out`, { method: 'POST', headers: { cookie, origin, 'content-type': 'application/json', 'x-csrf-token': csrf }, body: '{}' });
    assert.equal(out.status, 200);
    assert.equal((await send(`${base}/api/hosts`, { headers: { cookie } })).status, 401);
  });

  test('a session dies with its token: revoked, or expired', async () => {
    const revocable = await ctl.mint({ role: 'viewer', name: 'to-revoke' });
    const a = await signIn(revocable.text);
    await callWith(ctl.admin, ctl.admin.revokeToken, ctl.tokens.admin, { id: revocable.token.id });
    assert.equal((await send(`${base}/api/hosts`, { headers: { cookie: a.cookie } })).status, 401);

    const brief = await ctl.mint({ role: 'viewer', name: 'brief', ttlMs: 1500 });
    const b = await signIn(brief.text);
    assert.match(b.setCookie, /Max-Age=(0|1);?/, 'the cookie lives no longer than the token');
    assert.equal((await send(`${base}/api/hosts`, { headers: { cookie: b.cookie } })).status, 200);
    await waitFor(async () => (await send(`${base}/api/hosts`, { headers: { cookie: b.cookie } })).status === 401, { what: 'the session to end with its token', intervalMs: 100 });
  });

  test('sessions are stored hashed: no cookie value is in the database', async () => {
    const cookies = await Promise.all([signIn(ctl.tokens.viewer), signIn(ctl.tokens.operator)]);
    const files = readdirSync(ctl.dataDir).filter((f) => f.startsWith('fleet.db')).map((f) => readFileSync(join(ctl.dataDir, f)));
    for (const { cookie } of cookies) {
      const value = cookie.split('=')[1]!;
      assert.ok(!files.some((f) => f.includes(value)), 'a session cookie is in the database');
    }
  });
});

describe('dashboard HTTP over https', () => {
  test('the session cookie is Secure when the page is served over https', async () => {
    const temp = makeTempDir('fleet-https-');
    const ctl = await startAuthController();
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(temp.path, 'key.pem'), '-out', join(temp.path, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
      const cert = readFileSync(join(temp.path, 'cert.pem'), 'utf8');
      await using db = openTokenDatabase(ctl.databasePath);
      const access = new AccessControl({ tokens: db.tokens, log: silentLog });
      await using server = await startHttpServer({
        core: ctl.controller.core,
        address: { host: '127.0.0.1', port: 0 },
        log: silentLog,
        auth: { access, sessions: new Sessions({ tokens: db.tokens, access }) },
        tls: { key: readFileSync(join(temp.path, 'key.pem'), 'utf8'), cert },
      });
      const url = server.url.replace('127.0.0.1', 'localhost');
      assert.match(server.url, /^https:\/\//);
      const res = await send(`${url}/sign-in`, { method: 'POST', ca: cert, headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify({ token: ctl.tokens.viewer }) });
      assert.equal(res.status, 200, res.body);
      assert.match(res.headers['set-cookie']![0]!, /; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    } finally {
      await ctl.close();
      temp.remove();
    }
  });
});

describe('dashboard HTTP in insecure mode', () => {
  let ctl: Awaited<ReturnType<typeof startTestController>>;
  let base: string;
  before(async () => {
    ctl = await startTestController();
    base = ctl.controller.httpUrl;
  });
  after(() => ctl.close());

  test('only requests addressed to a loopback name are served (no DNS rebinding)', async () => {
    assert.equal((await send(`${base}/api/hosts`, { headers: { host: 'evil.example:7401' } })).status, 403);
    assert.equal((await send(`${base}/api/hosts`, { headers: { host: `localhost:${new URL(base).port}` } })).status, 200);
    assert.equal((await send(`${base}/api/hosts`)).status, 200);
  });

  test('everyone is anonymous, but a mutating request must still come from this origin or be a script\'s JSON', async () => {
    const cross = await send(`${base}/api/control`, { method: 'POST', headers: { origin: 'http://evil.example', 'content-type': 'application/json' }, body: JSON.stringify({ action: 'stop', addresses: ['all'] }) });
    assert.equal(cross.status, 403);
    const form = await send(`${base}/api/control`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=stop' });
    assert.equal(form.status, 403);
    const script = await send(`${base}/api/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'stop', addresses: ['all'] }) });
    assert.equal(script.status, 200, script.body);
    assert.deepEqual((await send(`${base}/api/session`)).json(), { mode: 'insecure', who: 'anonymous' });
  });
});
