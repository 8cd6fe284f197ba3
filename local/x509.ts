/**
 * A self-signed X.509 certificate for a key pair, in PEM: what Google's
 * certs URLs publish for each signing key (`…/x509/securetoken@…` and
 * `oauth2/v1/certs` map a key id to a certificate, not to a bare key), so
 * that a verifier that reads certificates works locally as on Google Cloud.
 * Node can read certificates but not make them; DER is small enough to
 * write here.
 */
import {randomBytes, sign, type KeyObject} from 'node:crypto';

/** One DER element: tag, length, content. */
function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

const sequence = (...items: Buffer[]) => der(0x30, ...items);

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128))
      chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

/** UTCTime, YYMMDDHHMMSSZ: dates before 2050. */
function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-12-02T07:58:00.000Z
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return der(0x17, Buffer.from(text, 'ascii'));
}

/** A Name of one common name. */
function name(commonName: string): Buffer {
  return sequence(
    der(0x31, sequence(oid('2.5.4.3'), der(0x0c, Buffer.from(commonName)))),
  );
}

const SHA256_WITH_RSA = sequence(oid('1.2.840.113549.1.1.11'), der(0x05));

/**
 * A version 3 certificate of `publicKey`, issued to and by `commonName`,
 * valid from an hour ago for `days`, signed with `privateKey`
 * (RSASSA-PKCS1-v1_5 with SHA-256), as PEM.
 */
export function selfSignedCertificate(
  privateKey: KeyObject,
  publicKey: KeyObject,
  commonName: string,
  {
    now = new Date(),
    days = 7,
    random = randomBytes(8),
  }: {now?: Date; days?: number; random?: Buffer} = {},
): string {
  const serial = Buffer.from(random);
  // A positive INTEGER in DER's one encoding: top bit clear (else it is
  // negative) and the first byte not zero (else the encoding is padded, and
  // OpenSSL refuses the certificate: "illegal padding", one in 256 before).
  serial[0] = (serial[0] & 0x7f) | 0x40;
  const tbs = sequence(
    der(0xa0, der(0x02, Buffer.from([2]))), // [0] version: v3
    der(0x02, serial),
    SHA256_WITH_RSA,
    name(commonName),
    sequence(
      utcTime(new Date(now.getTime() - 3600_000)),
      utcTime(new Date(now.getTime() + days * 86_400_000)),
    ),
    name(commonName),
    publicKey.export({type: 'spki', format: 'der'}),
  );
  const signature = sign('sha256', tbs, privateKey);
  const cert = sequence(
    tbs,
    SHA256_WITH_RSA,
    der(0x03, Buffer.from([0]), signature), // BIT STRING, no unused bits
  );
  const base64 = cert.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${base64.replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}
