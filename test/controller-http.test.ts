/**
 * The controller's HTTP side against a real controller with scripted agents: /healthz, the
 * hosts page and /api/hosts show what the core knows, and nothing from an agent is rendered
 * unescaped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, startTestController, type TestController } from './helpers/controller-harness.js';
import { protoProcess, ScriptedAgent } from './helpers/scripted-agent.js';
import { waitFor } from './helpers/wait-for.js';

describe('controller HTTP', () => {
  let ctl: TestController;
  let base: string;
  const agents: ScriptedAgent[] = [];
  before(async () => {
    ctl = await startTestController();
    base = ctl.controller.httpUrl;
    const web = await ScriptedAgent.connect(ctl.address, { host: 'web-1', labels: { role: 'web', note: '<b>hi</b>' } });
    web.snapshot([protoProcess('web', 'web'), protoProcess('worker', 'worker_0', 'FATAL')]);
    agents.push(web);
    const gone = await ScriptedAgent.connect(ctl.address, { host: 'old-1' });
    gone.snapshot([protoProcess('db', 'db')]);
    agents.push(gone);
    await waitFor(async () => (await call(ctl.fleet.listProcesses, ctl.fleet, { scope: { scope: { $case: 'allHosts', value: true } }, addresses: [] })).processes.length === 3, { what: 'both snapshots' });
    gone.kill();
    await waitFor(async () => (await (await fetch(`${base}/api/hosts`)).json() as { hosts: { name: string; liveness: string }[] }).hosts.find((h) => h.name === 'old-1')?.liveness === 'disconnected', { what: 'old-1 disconnected' });
  });
  after(async () => {
    for (const agent of agents) agent.kill();
    await ctl.close();
  });

  test('/healthz answers 200 with the version', async () => {
    const res = await fetch(`${base}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const body = (await res.json()) as { status: string; version: string };
    assert.equal(body.status, 'ok');
    assert.match(body.version, /^\d+\.\d+\.\d+/);
  });

  test('/api/hosts lists every host with liveness, labels, version and counts', async () => {
    const body = (await (await fetch(`${base}/api/hosts`)).json()) as { hosts: Record<string, unknown>[] };
    assert.deepEqual(
      body.hosts.map((h) => [h['name'], h['liveness'], h['labels'], h['agentVersion'], h['counts']]),
      [
        ['old-1', 'disconnected', {}, 'scripted-1', { RUNNING: 1 }],
        ['web-1', 'connected', { role: 'web', note: '<b>hi</b>' }, 'scripted-1', { RUNNING: 1, FATAL: 1 }],
      ],
    );
  });

  test('the page at / lists hosts and processes, escaping what agents sent', async () => {
    const res = await fetch(`${base}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await res.text();
    assert.match(html, /<h2>Hosts \(2\)<\/h2>/);
    assert.match(html, /<td><code>web-1<\/code><\/td><td class="connected">connected<\/td><td>role=web, note=&lt;b&gt;hi&lt;\/b&gt;<\/td>/);
    assert.match(html, /<td><code>old-1<\/code><\/td><td class="disconnected">disconnected<\/td>/);
    assert.match(html, /<code>web-1\/worker:worker_0<\/code><\/td><td class="FATAL">FATAL<\/td>/);
    assert.match(html, /<code>old-1\/db<\/code><\/td><td class="RUNNING">RUNNING<\/td>/);
    assert.doesNotMatch(html, /<b>hi<\/b>/);
  });

  test('unknown paths are 404 and other methods 405', async () => {
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    const post = await fetch(`${base}/api/hosts`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });
});
