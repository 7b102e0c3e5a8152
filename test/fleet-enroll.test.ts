// Enrollment and mutual TLS end to end: a real secure controller (its own CA, TLS, tokens) and
// real fleet-agent processes that join it and stream to it over mutual TLS.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import Database from 'better-sqlite3';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readCredentials } from '../agent/link/agent-credentials.js';
import { createCsrPem, generateKeyPair, privateKeyPem } from '../common/x509.js';
import { openControllerPki } from '../controller/pki/controller-pki.js';
import { DATABASE_FILE } from '../controller/run.js';
import { HostLiveness } from '../proto/gen/fleet/v1/fleet.js';
import { runAgentOnce, startAgent, writeConfig, type RunningAgent } from './helpers/agent-process.js';
import { AdminServiceDefinition } from '../proto/gen/fleet/v1/admin.js';
import { grpcClientConstructor } from '../proto/grpc-js.js';
import { bearer, failureOf, helloOutcome, renewWith, startSecureController, TLS_OPTIONS, tlsCredentials, type SecureController } from './helpers/secure-controller.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const AdminClient = grpcClientConstructor(AdminServiceDefinition);
const tmp = makeTempDir('fleetvisor-enroll-');
const agents: RunningAgent[] = [];
const controllers: SecureController[] = [];
after(async () => {
  for (const a of agents) await a.stop('SIGTERM');
  for (const c of controllers) await c.close();
  tmp.remove();
});

async function secureController(options: Parameters<typeof startSecureController>[0] = {}): Promise<SecureController> {
  const c = await startSecureController(options);
  controllers.push(c);
  return c;
}

/** An agent's directory and config: [fleet] host and controller, no insecure; `fleet` adds keys. */
function agentSetup(name: string, host: string, controller: string, fleet = ''): { dir: string; conf: string; stateDir: string } {
  const dir = join(tmp.path, name);
  mkdirSync(dir);
  const conf = writeConfig(
    dir,
    `[supervisord]\nlogfile = %(here)s/agent.log\npidfile = %(here)s/agent.pid\nchildlogdir = %(here)s\n` +
      `[unix_http_server]\nfile = %(here)s/agent.sock\n` +
      `[fleet]\nhost = ${host}\ncontroller = ${controller}\nstate_dir = %(here)s/state\n${fleet}` +
      `[program:sleeper]\ncommand = sleep 1000\n`,
  );
  return { dir, conf, stateDir: join(dir, 'state') };
}

function run(conf: string): RunningAgent {
  const agent = startAgent(['-n', '-c', conf]);
  agents.push(agent);
  return agent;
}

function listHosts(c: SecureController): Promise<{ name: string; liveness: HostLiveness }[]> {
  return new Promise((resolve, reject) =>
    c.fleet.listHosts({ hosts: [], labels: undefined }, bearer(c.adminToken), {}, (err, res) => (err ? reject(err) : resolve(res.hosts))),
  );
}

async function waitForLiveness(c: SecureController, host: string, liveness: HostLiveness): Promise<void> {
  await waitFor(async () => (await listHosts(c)).some((h) => h.name === host && h.liveness === liveness), {
    timeoutMs: 15_000,
    what: `${host} ${HostLiveness[liveness]}; controller log:\n${c.logText()}`,
  });
}

function revokeHost(c: SecureController, host: string): Promise<{ revokedCertificates: number; disconnected: boolean }> {
  return new Promise((resolve, reject) => c.fleet.revokeHost({ host }, bearer(c.adminToken), {}, (err, res) => (err ? reject(err) : resolve(res))));
}

async function listAudit(c: SecureController): Promise<{ action: string; who: string; hosts: string[]; result: string }[]> {
  const admin = new AdminClient(c.address, tlsCredentials(c.caPem), TLS_OPTIONS);
  try {
    return await new Promise((resolve, reject) =>
      admin.listAudit({ sinceMs: 0n, who: '', limit: 0 }, bearer(c.adminToken), {}, (err, res) => (err ? reject(err) : resolve(res.entries))),
    );
  } finally {
    admin.close();
  }
}

/** How many certificates the controller's database records for `host`. */
function certificateRows(c: SecureController, host: string): number {
  const db = new Database(join(c.dataDir, DATABASE_FILE), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM certificates WHERE host = ?').get(host) as { n: number }).n;
  } finally {
    db.close();
  }
}

/** A key pair and a certificate for `host` straight from a CA (the controller's or another). */
async function clientCertificate(ca: { issueClient(csr: string, host: string, ttl: number): Promise<{ pem: string }> }, host: string, ttlMs = 3_600_000) {
  const keys = await generateKeyPair();
  const signed = await ca.issueClient(await createCsrPem(host, keys), host, ttlMs);
  return { keyPem: await privateKeyPem(keys.privateKey), certificatePem: signed.pem };
}

test('fleet-agent join enrolls with a join token and the CA fingerprint; the agent then streams over mutual TLS as its host', async () => {
  const c = await secureController();
  const joinToken = await c.mint({ role: 'join', ttlMs: 3_600_000 });
  const s = agentSetup('join-by-hand', 'web-1', c.address);

  const joined = await runAgentOnce(['join', '-c', s.conf, '--token', joinToken, '--ca-fingerprint', c.fingerprint]);
  assert.equal(joined.code, 0, joined.stderr);
  assert.match(joined.stdout, new RegExp(`^joined ${c.address} as host web-1: certificate valid until \\S+, stored in ${s.stateDir} \\(agent\\.key, agent\\.crt, ca\\.crt\\)\\n$`));
  assert.equal(statSync(join(s.stateDir, 'agent.key')).mode & 0o777, 0o600);
  const cert = new X509Certificate(readFileSync(join(s.stateDir, 'agent.crt')));
  assert.equal(cert.subject, 'CN=web-1');
  assert.equal(readFileSync(join(s.stateDir, 'ca.crt'), 'utf8').trim(), c.caPem.trim());
  assert.doesNotMatch(c.logText(), new RegExp(joinToken.slice(4)), 'the token never appears in the log');

  const agent = run(s.conf);
  await agent.waitForOutput(/controller link up: /);
  await waitForLiveness(c, 'web-1', HostLiveness.HOST_LIVENESS_CONNECTED);
  assert.match(c.logText(), /web-1: joined with the join token /);
  assert.equal(await agent.stop(), 0);
});

test('[fleet] join_token and ca_fingerprint enroll an agent on its first start', async () => {
  const c = await secureController();
  const joinToken = await c.mint({ role: 'join', ttlMs: 3_600_000 });
  const s = agentSetup('join-on-start', 'web-2', c.address, `join_token = ${joinToken}\nca_fingerprint = ${c.fingerprint}\n`);
  const agent = run(s.conf);
  await agent.waitForOutput(/joined .* as host web-2: certificate valid until /);
  await agent.waitForOutput(/controller link up: /);
  await waitForLiveness(c, 'web-2', HostLiveness.HOST_LIVENESS_CONNECTED);
  assert.equal(readCredentials(s.stateDir)?.host, 'web-2');
  assert.equal(await agent.stop(), 0);
});

test('a wrong CA fingerprint stops the join before anything is sent', async () => {
  const c = await secureController();
  const joinToken = await c.mint({ role: 'join', ttlMs: 3_600_000 });
  const s = agentSetup('wrong-fingerprint', 'web-4', c.address);
  const wrong = `sha256:${'0'.repeat(64)}`;
  const { code, stderr } = await runAgentOnce(['join', '-c', s.conf, '--token', joinToken, '--ca-fingerprint', wrong]);
  assert.equal(code, 1);
  assert.match(stderr, new RegExp(`presented certificates with fingerprints .*${c.fingerprint.slice(7)}.*, none of them ${wrong}: check the fingerprint`));
  assert.equal(existsSync(join(s.stateDir, 'agent.crt')), false);
  assert.doesNotMatch(c.logText(), /joined|authentication failed/, 'the controller saw no join attempt');
});

test('a join token used again after it expired is refused, and no certificate is issued', async () => {
  const c = await secureController();
  const mintedAt = Date.now();
  const joinToken = await c.mint({ role: 'join', ttlMs: 1500 });
  const first = agentSetup('token-first', 'web-5', c.address);
  const ok = await runAgentOnce(['join', '-c', first.conf, '--token', joinToken, '--ca-fingerprint', c.fingerprint]);
  assert.equal(ok.code, 0, ok.stderr);
  const second = agentSetup('token-again', 'web-6', c.address);
  await waitFor(() => Date.now() > mintedAt + 1500 + 100, { what: 'the token to expire' });
  const again = await runAgentOnce(['join', '-c', second.conf, '--token', joinToken, '--ca-fingerprint', c.fingerprint]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /refused the join: UNAUTHENTICATED: the token .* expired at /);
  assert.equal(existsSync(join(second.stateDir, 'agent.crt')), false);

  // The same token in [fleet]: the agent starts, keeps its processes, and warns on every attempt.
  const onStart = agentSetup('token-on-start', 'web-6', c.address, `join_token = ${joinToken}\nca_fingerprint = ${c.fingerprint}\n`);
  const agent = run(onStart.conf);
  await agent.waitForOutput(/WARN controller link to .* refused: enrollment refused: the controller at .* refused the join: UNAUTHENTICATED: the token .* expired at /);
  assert.match(agent.output(), /spawned: 'sleeper'/);
  assert.equal(await agent.stop(), 0);
});

test('an agent stream without a client certificate, or with one from another CA or expired, is refused', async () => {
  const c = await secureController({ certTtlMs: 1500 });
  // None: TLS to the right CA, no certificate.
  const none = await helloOutcome(c.address, tlsCredentials(c.caPem), 'web-7');
  assert.equal(none.error?.code, Status.UNAUTHENTICATED);
  assert.match(none.error!.details, /no valid client certificate: the connection presented none, or one that is expired or not signed by this controller's CA; enroll the agent with fleet-agent join/);

  // Another CA's certificate for the same name.
  const otherPki = await openControllerPki(tmp.fresh(), { dns: [], ips: [] });
  const foreign = await helloOutcome(c.address, tlsCredentials(c.caPem, await clientCertificate(otherPki.ca, 'web-7')), 'web-7');
  assert.equal(foreign.error?.code, Status.UNAUTHENTICATED);

  // An expired certificate of this controller.
  const joinToken = await c.mint({ role: 'join', ttlMs: 3_600_000 });
  const s = agentSetup('expired', 'web-7', c.address);
  assert.equal((await runAgentOnce(['join', '-c', s.conf, '--token', joinToken, '--ca-fingerprint', c.fingerprint])).code, 0);
  const credentials = readCredentials(s.stateDir)!;
  const fresh = await helloOutcome(c.address, tlsCredentials(c.caPem, credentials), 'web-7');
  assert.equal(fresh.ack?.body?.$case, 'helloAck', 'valid while it lasts');
  await waitFor(() => Date.now() > credentials.notAfter + 1000, { what: 'the certificate to expire' });
  const expired = await helloOutcome(c.address, tlsCredentials(c.caPem, credentials), 'web-7');
  assert.equal(expired.error?.code, Status.UNAUTHENTICATED);
  await assert.rejects(renewWith(c.address, tlsCredentials(c.caPem, credentials), await createCsrPem('web-7', await generateKeyPair())), (err) => failureOf(err).code === Status.UNAUTHENTICATED);

  // The real agent says so itself, and keeps its processes.
  const agent = run(s.conf);
  await agent.waitForOutput(/controller link to .* refused: UNAUTHENTICATED: the certificate in .* expired at .*; join again/);
  assert.equal(await agent.stop(), 0);
});

test('an agent certificate cannot report for another host', async () => {
  const c = await secureController();
  const joinToken = await c.mint({ role: 'join', ttlMs: 3_600_000 });
  const s = agentSetup('impostor', 'web-8', c.address);
  assert.equal((await runAgentOnce(['join', '-c', s.conf, '--token', joinToken, '--ca-fingerprint', c.fingerprint])).code, 0);
  const outcome = await helloOutcome(c.address, tlsCredentials(c.caPem, readCredentials(s.stateDir)!), 'db-1');
  assert.equal(outcome.error?.code, Status.PERMISSION_DENIED);
  assert.equal(failureOf(outcome.error).fault, 'PERMISSION_DENIED');
  assert.match(outcome.error!.details, /^this connection is authenticated as host web-8 \(its client certificate\) and cannot report for db-1; /);
  assert.equal((await listHosts(c)).some((h) => h.name === 'db-1'), false, 'db-1 never appeared');

  // The agent itself refuses to start with a certificate for another host.
  const renamed = agentSetup('impostor-agent', 'db-1', c.address);
  mkdirSync(renamed.stateDir);
  for (const f of ['agent.key', 'agent.crt', 'ca.crt']) {
    const { copyFileSync } = await import('node:fs');
    copyFileSync(join(s.stateDir, f), join(renamed.stateDir, f));
  }
  const refused = await runAgentOnce(['-n', '-c', renamed.conf]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /the certificate in .* is for host "web-8", but \[fleet\] host is "db-1"/);
});

test('revoking a host cuts its stream at once and refuses its certificate; joining again brings it back', async () => {
  const c = await secureController({ heartbeatMs: 1000 });
  const joinToken = await c.mint({ role: 'join', ttlMs: 3_600_000 });
  const s = agentSetup('revoked', 'web-9', c.address);
  assert.equal((await runAgentOnce(['join', '-c', s.conf, '--token', joinToken, '--ca-fingerprint', c.fingerprint])).code, 0);
  const old = readCredentials(s.stateDir)!;
  const agent = run(s.conf);
  await waitForLiveness(c, 'web-9', HostLiveness.HOST_LIVENESS_CONNECTED);

  assert.deepEqual(await revokeHost(c, 'web-9'), { revokedCertificates: 1, disconnected: true });
  await waitForLiveness(c, 'web-9', HostLiveness.HOST_LIVENESS_DISCONNECTED);
  await agent.waitForOutput(/controller link down: .*UNAUTHENTICATED: host web-9 was revoked by test-admin/);
  await agent.waitForOutput(/controller link to .* refused: UNAUTHENTICATED: the certificate of host web-9 \(serial [0-9a-f]+\) was revoked at /);
  const direct = await helloOutcome(c.address, tlsCredentials(c.caPem, old), 'web-9');
  assert.equal(direct.error?.code, Status.UNAUTHENTICATED);
  await assert.rejects(renewWith(c.address, tlsCredentials(c.caPem, old), await createCsrPem('web-9', await generateKeyPair())), /was revoked at/);
  assert.match(c.logText(), /web-9: revoked by test-admin from 127\.0\.0\.1:\d+ \(1 certificate; its stream was ended\)/);
  const audit = await listAudit(c);
  assert.ok(audit.some((e) => e.action === 'hosts revoke' && e.who === 'test-admin' && e.hosts.includes('web-9')), audit.map((e) => `${e.who} ${e.action} ${e.hosts.join(',')}`).join('; '));
  assert.ok(audit.some((e) => e.action === 'join' && e.hosts.includes('web-9')), 'joins are recorded too');

  // A new join token gives the host a fresh certificate; the running agent picks it up.
  const rejoin = await runAgentOnce(['join', '-c', s.conf, '--token', await c.mint({ role: 'join', ttlMs: 3_600_000 }), '--ca-fingerprint', c.fingerprint]);
  assert.equal(rejoin.code, 0, rejoin.stderr);
  await waitForLiveness(c, 'web-9', HostLiveness.HOST_LIVENESS_CONNECTED);
  assert.equal(await agent.stop(), 0);
});

test('a join under a host name that holds a valid certificate is refused and audited; the real host keeps its stream until it is revoked', async () => {
  const c = await secureController();
  const joinToken = await c.mint({ role: 'join', ttlMs: 3_600_000 });
  const real = agentSetup('taken-real', 'web-11', c.address);
  assert.equal((await runAgentOnce(['join', '-c', real.conf, '--token', joinToken, '--ca-fingerprint', c.fingerprint])).code, 0);
  const agent = run(real.conf);
  await waitForLiveness(c, 'web-11', HostLiveness.HOST_LIVENESS_CONNECTED);

  const other = agentSetup('taken-other', 'web-11', c.address);
  const refused = await runAgentOnce(['join', '-c', other.conf, '--token', joinToken, '--ca-fingerprint', c.fingerprint]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /refused the join: ALREADY_EXISTS: host web-11 is already enrolled: it holds a certificate valid until \S+, not revoked\. .*revoke it first \(fleetctl hosts revoke web-11\), then join again/,
  );
  assert.equal(existsSync(join(other.stateDir, 'agent.crt')), false, 'no certificate was issued');
  assert.equal(c.logText().match(/web-11: joined with the join token /g)?.length, 1);
  const audit = await listAudit(c);
  const joins = audit.filter((e) => e.action === 'join' && e.hosts.includes('web-11'));
  assert.equal(joins.length, 2, audit.map((e) => `${e.action} ${e.result}`).join('; '));
  assert.equal(joins[0]!.result, 'ok');
  assert.match(joins[1]!.result, /^1 failed: web-11 refused: host web-11 is already enrolled: /);
  assert.equal((await listHosts(c)).find((h) => h.name === 'web-11')?.liveness, HostLiveness.HOST_LIVENESS_CONNECTED, 'the real host is still connected');
  assert.doesNotMatch(agent.output(), /controller link down/);

  // Once the old machine is revoked, the new one may take the name.
  await revokeHost(c, 'web-11');
  const again = await runAgentOnce(['join', '-c', other.conf, '--token', joinToken, '--ca-fingerprint', c.fingerprint]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(readCredentials(other.stateDir)?.host, 'web-11');
  assert.equal(await agent.stop(), 0);
});

test('revoking an unknown host is NO_SUCH_HOST, and a viewer may not revoke', async () => {
  const c = await secureController();
  await assert.rejects(revokeHost(c, 'nobody'), (err) => failureOf(err).fault === 'NO_SUCH_HOST');
  const viewer = await c.mint({ role: 'viewer' });
  await assert.rejects(
    new Promise((resolve, reject) => c.fleet.revokeHost({ host: 'web-1' }, bearer(viewer), {}, (err, res) => (err ? reject(err) : resolve(res)))),
    (err) => failureOf(err).code === Status.PERMISSION_DENIED,
  );
});

test('Renew is refused while the certificate has more than half of its lifetime left, so a certificate cannot be renewed without end', async () => {
  const c = await secureController();
  const joinToken = await c.mint({ role: 'join', ttlMs: 3_600_000 });
  const s = agentSetup('renew-early', 'web-12', c.address);
  assert.equal((await runAgentOnce(['join', '-c', s.conf, '--token', joinToken, '--ca-fingerprint', c.fingerprint])).code, 0);
  const credentials = readCredentials(s.stateDir)!;
  const halfway = new Date(credentials.notBefore + Math.floor((credentials.notAfter - credentials.notBefore) / 2)).toISOString();
  for (let attempt = 0; attempt < 3; attempt++) {
    const csr = await createCsrPem('web-12', await generateKeyPair());
    await assert.rejects(renewWith(c.address, tlsCredentials(c.caPem, credentials), csr), (err) => {
      const failure = failureOf(err);
      assert.equal(failure.code, Status.RESOURCE_EXHAUSTED);
      assert.equal(failure.fault, 'RATE_LIMITED');
      assert.match(
        failure.details,
        new RegExp(`^the certificate of host web-12 \\(serial [0-9a-f]+\\) has more than half of its lifetime left \\(valid until \\S+\\): it may be renewed from ${halfway} on \\(agents renew at two thirds of the lifetime\\); retry then$`),
      );
      return true;
    });
  }
  assert.equal(certificateRows(c, 'web-12'), 1, 'no certificate was issued by the refused renewals');
  assert.doesNotMatch(c.logText(), /web-12: renewed/);
});

test('an agent renews its certificate at two thirds of its lifetime and reconnects with the new one', async () => {
  const c = await secureController({ certTtlMs: 6000, heartbeatMs: 1000 });
  const joinToken = await c.mint({ role: 'join', ttlMs: 3_600_000 });
  const s = agentSetup('renewal', 'web-10', c.address, `join_token = ${joinToken}\nca_fingerprint = ${c.fingerprint}\n`);
  const agent = run(s.conf);
  await agent.waitForOutput(/controller link up: /);
  const first = readCredentials(s.stateDir)!;
  await agent.waitForOutput(/certificate of host web-10 renewed: valid until /, 15_000);
  const renewed = readCredentials(s.stateDir)!;
  assert.ok(renewed.notAfter > first.notAfter);
  assert.equal(renewed.keyPem, first.keyPem, 'the key stays');
  assert.ok(Date.now() < first.notAfter, 'renewed before the first certificate expired');

  // After the first certificate expired, a controller restart makes the agent reconnect: with the new one.
  await waitFor(() => Date.now() > first.notAfter + 500, { what: 'the first certificate to expire' });
  const port = c.port;
  await c.close({ keepDir: true });
  const again = await secureController({ dataDir: c.dataDir, listen: { host: '127.0.0.1', port }, adminToken: c.adminToken, certTtlMs: 60_000, heartbeatMs: 1000 });
  await waitForLiveness(again, 'web-10', HostLiveness.HOST_LIVENESS_CONNECTED);
  assert.equal(await agent.stop(), 0);
});
