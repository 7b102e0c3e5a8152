/**
 * The whole way in, as a user takes it, with real processes: fleet-controller in secure mode,
 * `fleet-controller bootstrap` beside it, fleetctl configured by its fleetctl.ini alone (the
 * controller, the admin token and the CA file), a token made and used, the audit trail read,
 * a dashboard session; and no token or session cookie in anything the controller wrote.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseToken } from '../controller/auth/tokens.js';
import { FLEET_CONTROLLER, runFleetController, runFleetctl } from './helpers/controller-process.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

/** An https request that trusts only the controller's CA, as a browser that imported it would. */
function dashboard(url: string, ca: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: init.method ?? 'GET', headers: init.headers, ca }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const run = (args: string[]): ReturnType<typeof runFleetController> => runFleetController(args);

describe('from bootstrap to fleetctl audit, in secure mode', () => {
  const temp = makeTempDir('fleet-journey-');
  const data = join(temp.path, 'data');
  const config = join(temp.path, 'config');
  const env = { XDG_CONFIG_HOME: config };
  let controller: ChildProcess;
  let output = '';
  let grpc = '';
  let http = '';
  const secrets: string[] = [];

  before(async () => {
    controller = spawn(process.execPath, [FLEET_CONTROLLER, '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--data', data], { stdio: ['ignore', 'pipe', 'pipe'] });
    controller.stdout!.setEncoding('utf8').on('data', (s: string) => (output += s));
    controller.stderr!.setEncoding('utf8').on('data', (s: string) => (output += s));
    const ready = await waitFor(() => /ready: gRPC (127\.0\.0\.1:\d+) \(secure[^)]*\), HTTP (https:\/\/127\.0\.0\.1:\d+)/.exec(output) ?? (controller.exitCode !== null ? new Error(output) : null), {
      what: `fleet-controller's ready line; output so far:\n${output}`,
      timeoutMs: 20_000,
    });
    if (ready instanceof Error) throw new Error(`fleet-controller exited at start-up:\n${ready.message}`);
    grpc = ready[1]!;
    http = ready[2]!;
  });
  after(async () => {
    if (controller.exitCode === null && controller.signalCode === null) controller.kill('SIGTERM');
    if (controller.exitCode === null && controller.signalCode === null) await once(controller, 'exit');
    temp.remove();
  });

  test('bootstrap beside the running controller, then fleetctl works from fleetctl.ini alone', async () => {
    const boot = await run(['bootstrap', '--data', data]);
    assert.equal(boot.code, 0, boot.stderr);
    const admin = boot.stdout.trim();
    secrets.push(admin);

    const ini = join(config, 'fleetvisor', 'fleetctl.ini');
    mkdirSync(join(config, 'fleetvisor'), { recursive: true });
    writeFileSync(ini, `[fleetctl]\ncontroller = ${grpc}\ntoken = ${admin}\nca = ${join(data, 'pki', 'ca.crt')}\n`, { mode: 0o644 });
    const open = await runFleetctl(['hosts'], env);
    assert.equal(open.code, 2);
    assert.match(open.stderr, /may be read by its group \(mode 0644\).*Run: chmod 600 /);
    chmodSync(ini, 0o600);

    const created = await runFleetctl(['token', 'create', '--role', 'operator', '--name', 'ci', '--scope', 'web-*/*'], env);
    assert.equal(created.code, 0, created.stderr);
    const ci = created.stdout.trim();
    secrets.push(ci);
    const hosts = await runFleetctl(['--token', ci, 'hosts'], env);
    assert.equal(hosts.code, 0, hosts.stderr);

    const audit = await runFleetctl(['audit', '-o', 'json'], env);
    assert.equal(audit.code, 0, audit.stderr);
    const entries = (JSON.parse(audit.stdout) as { entries: { who: string; action: string; token_id: string; result: string }[] }).entries;
    assert.deepEqual(
      entries.map((e) => [e.who, e.action, e.token_id, e.result]),
      [
        ['bootstrap', 'bootstrap', parseToken(admin)!.id, 'ok'],
        ['admin', 'token create', parseToken(admin)!.id, 'ok'],
      ],
    );
  });

  test('a dashboard session over https with the same certificate, and no token or cookie in anything it wrote', async () => {
    const ca = readFileSync(join(data, 'pki', 'ca.crt'), 'utf8');
    const signIn = await dashboard(`${http}/sign-in`, ca, { method: 'POST', headers: { 'content-type': 'application/json', origin: http }, body: JSON.stringify({ token: secrets[0] }) });
    assert.equal(signIn.status, 200);
    const setCookie = signIn.headers['set-cookie']![0]!;
    assert.match(setCookie, /; Secure/, 'the cookie is only ever sent back over https');
    const cookie = setCookie.split(';')[0]!;
    secrets.push(cookie.split('=')[1]!);
    assert.equal((await dashboard(`${http}/api/hosts`, ca, { headers: { cookie } })).status, 200);
    // Bad tokens are logged: by origin, never by their text.
    await runFleetctl(['--token', 'fvt_0123456789abcdef_this-is-not-a-real-secret-but-must-stay-out', 'hosts'], env);
    await waitFor(() => /authentication failed from 127\.0\.0\.1: unknown token id 0123456789abcdef/.test(output), { what: `the failure in the log:\n${output}` });

    controller.kill('SIGTERM');
    await once(controller, 'exit');
    const written = Buffer.concat([...readdirSync(data).filter((f) => f.startsWith('fleet.db')).map((f) => readFileSync(join(data, f))), Buffer.from(output)]);
    for (const secret of [...secrets.map((s) => parseToken(s)?.secret ?? s), 'this-is-not-a-real-secret-but-must-stay-out']) {
      assert.ok(!written.includes(secret), `${secret.slice(0, 8)}... is in the controller's log or database`);
    }
  });
});
