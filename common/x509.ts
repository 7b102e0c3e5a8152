/**
 * The one door to @peculiar/x509 (certificates and CSRs built on node's WebCrypto) and the key
 * helpers both sides share. Keys are ECDSA P-256, signatures SHA-256. Loading this module costs
 * a few tens of milliseconds, so only the controller's PKI and the agent's enrollment import
 * it; checking a certificate needs nothing but node:crypto's X509Certificate.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

export { x509 };

/** ECDSA P-256 with SHA-256, for key generation, import and signing. */
export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A fresh P-256 key pair; the private key is extractable so it can be written to a file. */
export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** The private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), the form node:tls reads. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }) as string;
}

/** A PEM private key (PKCS#8 or SEC1) as a key pair for signing; throws when it is not a P-256 key. */
export async function importKeyPair(pem: string): Promise<CryptoKeyPair> {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`not an ECDSA P-256 key (${key.asymmetricKeyType ?? 'unknown type'} ${key.asymmetricKeyDetails?.namedCurve ?? ''})`.trim());
  }
  const [privateKey, publicKey] = await Promise.all([
    webcrypto.subtle.importKey('pkcs8', key.export({ format: 'der', type: 'pkcs8' }), EC_P256, true, ['sign']),
    webcrypto.subtle.importKey('spki', createPublicKey(key).export({ format: 'der', type: 'spki' }), EC_P256, true, ['verify']),
  ]);
  return { privateKey, publicKey } as CryptoKeyPair;
}

/** A PKCS#10 request for a certificate whose subject CN is `commonName`, signed with `keys`. */
export async function createCsrPem(commonName: string, keys: CryptoKeyPair): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: [{ CN: [commonName] }], keys, signingAlgorithm: EC_P256 });
  return csr.toString('pem');
}
