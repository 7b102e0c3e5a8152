/**
 * The audit trail against the real controller: every mutating call is a row (who by token name
 * and id, when, from where, what, on which addresses, the hosts reached, the result), refused
 * calls of valid tokens too, and no token's text is ever in the log or the database.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseToken } from '../controller/auth/tokens.js';
import { ControlAction } from '../proto/gen/fleet/v1/fleet.js';
import { TokenRole, type AuditEntry } from '../proto/gen/fleet/v1/admin.js';
import { bearer, callWith, startAuthController, type AuthController } from './helpers/auth-harness.js';
import { collect } from './helpers/controller-harness.js';
import { protoProcess, ScriptedAgent } from './helpers/scripted-agent.js';
import { waitFor } from './helpers/wait-for.js';

const host = (name: string) => ({ scope: { $case: 'host' as const, value: name } });

describe('the audit trail', () => {
  let ctl: AuthController;
  let agent: ScriptedAgent;
  let ops: { text: string; id: string };
  const made: string[] = [];

  const audit = async (who = ''): Promise<AuditEntry[]> => (await callWith(ctl.admin, ctl.admin.listAudit, ctl.tokens.admin, { sinceMs: 0n, who, limit: 0 })).entries;

  before(async () => {
    ctl = await startAuthController();
    ctl.agentHost = 'web-1';
    agent = await ScriptedAgent.connect(ctl.address, { host: 'web-1', autoAnswer: true });
    agent.snapshot([protoProcess('web', 'web_0'), protoProcess('web', 'web_1')]);
    ctl.agentHost = null;
    const minted = await ctl.mint({ role: 'operator', name: 'ops' });
    ops = { text: minted.text, id: minted.token.id };
    made.push(minted.text);
    await waitFor(async () => (await callWith(ctl.fleet, ctl.fleet.listProcesses, ops.text, { scope: host('web-1'), addresses: [] })).processes.length === 2, { what: 'the snapshot' });
  });
  after(async () => {
    agent.kill();
    await ctl.close();
  });

  test('a control call is recorded with its token, time, origin, action, addresses, hosts and result', async () => {
    const before = Date.now();
    await collect(ctl.fleet.control({ scope: host('web-1'), addresses: ['web:*'], action: ControlAction.CONTROL_ACTION_START, signal: '', wait: false }, bearer(ops.text)));
    const row = (await audit('ops')).at(-1)!;
    assert.deepEqual(
      { who: row.who, tokenId: row.tokenId, action: row.action, addresses: row.addresses, hosts: row.hosts, result: row.result },
      { who: 'ops', tokenId: ops.id, action: 'start', addresses: ['web:*'], hosts: ['web-1'], result: 'ok' },
    );
    assert.ok(Number(row.timeMs) >= before && Number(row.timeMs) <= Date.now());
    assert.match(row.origin, /^127\.0\.0\.1:\d+$/);
  });

  test('signal, reread and update are recorded too', async () => {
    await collect(ctl.fleet.control({ scope: host('web-1'), addresses: ['web:web_1'], action: ControlAction.CONTROL_ACTION_SIGNAL, signal: 'HUP', wait: false }, bearer(ops.text)));
    await collect(ctl.fleet.reread({ scope: host('web-1'), hosts: [] }, bearer(ops.text)));
    await collect(ctl.fleet.update({ scope: host('web-1'), hosts: [], groups: ['web'] }, bearer(ops.text)));
    const rows = (await audit('ops')).slice(-3).map((r) => `${r.action} ${r.addresses.join(' ')} -> ${r.hosts.join(',')}: ${r.result}`);
    assert.deepEqual(rows, ['signal HUP web:web_1 -> web-1: ok', 'reread all -> web-1: ok', 'update web -> web-1: ok']);
  });

  test('a valid token refused for its role is recorded, with what it tried', async () => {
    const stream = ctl.fleet.control({ scope: host('web-1'), addresses: ['web-1/web:web_0'], action: ControlAction.CONTROL_ACTION_STOP, signal: '', wait: false }, bearer(ctl.tokens.viewer));
    await assert.rejects(collect(stream));
    const row = (await audit('viewer-token')).at(-1)!;
    assert.deepEqual([row.action, row.addresses, row.tokenId], ['denied Control', ['web-1/web:web_0'], parseToken(ctl.tokens.viewer)!.id]);
    assert.match(row.result, /^1 failed: PERMISSION_DENIED Control needs the operator role or above; token viewer-token \([0-9a-f]{16}\) has the viewer role$/);
  });

  test('calls without a valid token are logged, not recorded', async () => {
    const rows = (await audit()).length;
    await assert.rejects(collect(ctl.fleet.control({ scope: host('web-1'), addresses: ['web:*'], action: ControlAction.CONTROL_ACTION_STOP, signal: '', wait: false }, bearer('fvt_nope'))));
    assert.equal((await audit()).length, rows);
    assert.match(ctl.logText(), /WARN authentication failed from 127\.0\.0\.1: not a fleetvisor token \(fvt_\.\.\.\)/);
  });

  test('no token, made any way, is ever in the log or the database files', async () => {
    const created = await callWith(ctl.admin, ctl.admin.createToken, ctl.tokens.admin, { name: 'x', role: TokenRole.TOKEN_ROLE_ADMIN, scopes: [], ttlMs: 0n });
    made.push(created.text);
    await callWith(ctl.admin, ctl.admin.revokeToken, created.text, { id: created.token!.id });
    await ctl.controller.core.close(); // flushes what the store writes behind
    const written = Buffer.concat([
      ...readdirSync(ctl.dataDir).filter((f) => f.startsWith('fleet.db')).map((f) => readFileSync(join(ctl.dataDir, f))),
      Buffer.from(ctl.logText()),
    ]);
    for (const text of [...made, ...Object.values(ctl.tokens)]) {
      assert.ok(!written.includes(parseToken(text)!.secret), `the secret of ${parseToken(text)!.id} was written`);
    }
  });
});
