/**
 * fleetctl against a controller in secure mode, as real processes: TLS with the controller's CA
 * pinned (--ca) and its fixed name checked whatever address is dialled, a token on every call,
 * and `hosts revoke`. The refusals say what is wrong: a CA that does not verify the controller,
 * a controller that does not speak TLS.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { joinController } from '../agent/link/enrollment.js';
import { openControllerPki } from '../controller/pki/controller-pki.js';
import { startTestController } from './helpers/controller-harness.js';
import { runFleetctl } from './helpers/controller-process.js';
import { startSecureController, type SecureController } from './helpers/secure-controller.js';
import { makeTempDir } from './helpers/temp-dir.js';

describe('fleetctl over TLS', () => {
  let ctl: SecureController;
  const tmp = makeTempDir('fleetctl-tls-');
  // No fleetctl.ini of whoever runs the tests gets in the way.
  const env = { XDG_CONFIG_HOME: tmp.path };
  let caFile: string;

  before(async () => {
    ctl = await startSecureController();
    caFile = join(tmp.path, 'ca.crt');
    writeFileSync(caFile, ctl.caPem);
  });
  after(async () => {
    await ctl.close();
    tmp.remove();
  });

  test('reaches the controller by any address it listens on: the name checked is fleet-controller', async () => {
    for (const address of [ctl.address, `localhost:${ctl.port}`]) {
      const out = await runFleetctl(['--controller', address, '--ca', caFile, '--token', ctl.adminToken, 'hosts'], env);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stderr, /No host has connected to the controller/);
    }
  });

  test('hosts revoke HOST revokes the certificates of a joined host and says so; -o json for scripts', async () => {
    const joinToken = await ctl.mint({ role: 'join', ttlMs: 60_000 });
    await joinController({ controller: ctl.address, token: joinToken, caFingerprint: ctl.fingerprint, host: 'web-1', stateDir: tmp.fresh() });
    const out = await runFleetctl(['--controller', ctl.address, '--ca', caFile, '--token', ctl.adminToken, 'hosts', 'revoke', 'web-1'], env);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, 'web-1: revoked (1 certificate revoked; it was not connected)\n');
    const again = await runFleetctl(['--controller', ctl.address, '--ca', caFile, '--token', ctl.adminToken, 'hosts', 'revoke', 'web-1', '-o', 'json'], env);
    assert.deepEqual(JSON.parse(again.stdout), { host: 'web-1', revoked_certificates: 0, disconnected: false });
    const glob = await runFleetctl(['--controller', ctl.address, '--ca', caFile, '--token', ctl.adminToken, 'hosts', 'revoke', 'web-*'], env);
    assert.equal(glob.code, 2);
    assert.match(glob.stderr, /hosts revoke takes one host name, no glob/);
  });

  test('a CA that did not sign the controller is refused before any token is sent', async () => {
    const other = await openControllerPki(tmp.fresh(), { dns: [], ips: [] });
    const otherCa = join(tmp.path, 'other-ca.crt');
    writeFileSync(otherCa, other.ca.certificatePem);
    const out = await runFleetctl(['--controller', ctl.address, '--ca', otherCa, '--token', ctl.adminToken, 'hosts'], env);
    assert.equal(out.code, 4, out.stderr);
    assert.match(out.stderr, new RegExp(`cannot reach the controller at ${ctl.address}: its TLS certificate does not verify against the CA given \\(--ca, FLEET_CA`));
    assert.doesNotMatch(ctl.logText(), /authentication failed/, 'the controller never saw a call');
  });

  test('TLS to a controller started with --insecure says it does not answer in TLS', async () => {
    const plain = await startTestController();
    try {
      const out = await runFleetctl(['--controller', plain.address, '--ca', caFile, '--token', ctl.adminToken, 'hosts'], env);
      assert.equal(out.code, 4, out.stderr);
      assert.match(out.stderr, /it does not answer in TLS \(a controller started with --insecure\? then give --insecure\)/);
    } finally {
      await plain.close();
    }
  });
});
