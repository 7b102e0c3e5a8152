import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CONTROLLER_TLS_NAME, parseFingerprint } from '../common/controller-tls.js';
import { isFleetError } from '../common/errors.js';
import { createCsrPem, generateKeyPair } from '../common/x509.js';
import { openControllerPki, readCaFingerprint } from '../controller/pki/controller-pki.js';
import { makeTempDir } from './helpers/temp-dir.js';

const names = { dns: ['localhost'], ips: ['127.0.0.1'] };

test('the first secure start creates the CA and the server certificate, keys readable by the owner only', async () => {
  const temp = makeTempDir('fleetvisor-pki-');
  try {
    const pki = await openControllerPki(temp.path, names);
    assert.equal(pki.created, true);
    const dir = join(temp.path, 'pki');
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const key of ['ca.key', 'server.key']) assert.equal(statSync(join(dir, key)).mode & 0o777, 0o600, key);
    const ca = new X509Certificate(readFileSync(join(dir, 'ca.crt')));
    assert.equal(ca.ca, true);
    const server = new X509Certificate(readFileSync(join(dir, 'server.crt')));
    assert.ok(server.checkIssued(ca) && server.verify(ca.publicKey), 'the server certificate is signed by the CA');
    assert.match(server.subjectAltName ?? '', new RegExp(`DNS:${CONTROLLER_TLS_NAME}`));
    assert.match(server.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.deepEqual(server.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'serverAuth only');
    assert.match(pki.serverChainPem, /END CERTIFICATE-----\n-----BEGIN CERTIFICATE/, 'the chain carries the CA after the server certificate');
    assert.equal(readCaFingerprint(temp.path), pki.ca.fingerprint);
    assert.equal(parseFingerprint(pki.ca.fingerprint), pki.ca.fingerprint);
  } finally {
    temp.remove();
  }
});

test('a later start keeps the CA, and issues the server certificate again only when it lacks a name', async () => {
  const temp = makeTempDir('fleetvisor-pki-');
  try {
    const first = await openControllerPki(temp.path, names);
    const serverPath = join(temp.path, 'pki', 'server.crt');
    const firstServer = readFileSync(serverPath, 'utf8');
    const second = await openControllerPki(temp.path, names);
    assert.equal(second.created, false);
    assert.equal(second.ca.fingerprint, first.ca.fingerprint);
    assert.equal(readFileSync(serverPath, 'utf8'), firstServer, 'nothing changed: the same certificate');
    const third = await openControllerPki(temp.path, { dns: ['localhost', 'ctl.example'], ips: ['127.0.0.1', '::1'] });
    assert.equal(third.ca.fingerprint, first.ca.fingerprint);
    const reissued = new X509Certificate(readFileSync(serverPath));
    assert.match(reissued.subjectAltName ?? '', /DNS:ctl\.example/);
    assert.notEqual(reissued.serialNumber, new X509Certificate(firstServer).serialNumber);
    assert.equal((await openControllerPki(temp.path, { dns: ['localhost', 'ctl.example'], ips: ['127.0.0.1', '::1'] })).serverChainPem, third.serverChainPem, 'IPv6 names are recognised');
  } finally {
    temp.remove();
  }
});

test('ca-fingerprint without a CA says how to create one', () => {
  const temp = makeTempDir('fleetvisor-pki-');
  try {
    assert.throws(() => readCaFingerprint(temp.path), (err) => isFleetError(err, 'FAILED') && /start fleet-controller once without --insecure/.test(err.message));
  } finally {
    temp.remove();
  }
});

test('a CA key that does not belong to the CA certificate is refused with what to do', async () => {
  const a = makeTempDir('fleetvisor-pki-');
  const b = makeTempDir('fleetvisor-pki-');
  try {
    await openControllerPki(a.path, names);
    await openControllerPki(b.path, names);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(a.path, 'pki', 'ca.key'), readFileSync(join(b.path, 'pki', 'ca.key')));
    await assert.rejects(openControllerPki(a.path, names), /cannot use the CA in .*the CA key does not match the CA certificate; restore ca\.key and ca\.crt/);
  } finally {
    a.remove();
    b.remove();
  }
});

test('a client certificate names the host, is for client authentication, and lives as long as asked', async () => {
  const temp = makeTempDir('fleetvisor-pki-');
  try {
    const { ca } = await openControllerPki(temp.path, names);
    const keys = await generateKeyPair();
    const now = Date.now();
    const signed = await ca.issueClient(await createCsrPem('whatever-the-csr-says', keys), 'web-1', 3_600_000, now);
    const cert = new X509Certificate(signed.pem);
    assert.equal(cert.subject, 'CN=web-1', 'the name is the one the controller gives, not the request\'s');
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.ok(cert.verify(ca.certificate.publicKey));
    assert.equal(Date.parse(cert.validTo), Math.floor((now + 3_600_000) / 1000) * 1000);
    assert.equal(cert.serialNumber.toLowerCase(), signed.serial);
    await assert.rejects(ca.issueClient('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n', 'web-1', 1000), /not a PEM certificate request/);
  } finally {
    temp.remove();
  }
});
