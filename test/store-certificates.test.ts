import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from './helpers/store-fixtures.js';
import { makeTempDir } from './helpers/temp-dir.js';

test('issued certificates survive a reopen, and revoking a host marks only its certificates not yet revoked', async () => {
  const temp = makeTempDir('fleetvisor-certs-');
  try {
    const dir = temp.fresh();
    let store = await openStore(dir);
    await store.certificates.recordIssued({ serial: '0a', host: 'web-1', issuedAt: 100, notAfter: 10_000 });
    await store.certificates.recordIssued({ serial: '0b', host: 'web-1', issuedAt: 200, notAfter: 10_000 });
    await store.certificates.recordIssued({ serial: '0c', host: 'web-2', issuedAt: 300, notAfter: 10_000 });
    assert.deepEqual((await store.certificates.revokeHost('web-1', 400)).sort(), ['0a', '0b']);
    assert.deepEqual(await store.certificates.revokeHost('web-1', 500), [], 'already revoked ones keep their first time');
    await store.certificates.recordIssued({ serial: '0d', host: 'web-1', issuedAt: 600, notAfter: 10_000 });
    await store.close();

    store = await openStore(dir);
    const listed = await store.certificates.listCertificates(0);
    assert.deepEqual(
      listed.map((c) => [c.serial, c.host, c.revokedAt]),
      [
        ['0a', 'web-1', 400],
        ['0b', 'web-1', 400],
        ['0c', 'web-2', null],
        ['0d', 'web-1', null],
      ],
    );
    assert.deepEqual(await store.certificates.listCertificates(10_000), [], 'expired certificates are left out');
    await store.close();
  } finally {
    temp.remove();
  }
});

test('the same serial cannot be recorded twice', async () => {
  const temp = makeTempDir('fleetvisor-certs-');
  try {
    const store = await openStore(temp.fresh());
    await store.certificates.recordIssued({ serial: '0a', host: 'web-1', issuedAt: 100, notAfter: 10_000 });
    await assert.rejects(store.certificates.recordIssued({ serial: '0a', host: 'web-2', issuedAt: 100, notAfter: 10_000 }), /recording the certificate issued to host web-2/);
    await store.close();
  } finally {
    temp.remove();
  }
});
