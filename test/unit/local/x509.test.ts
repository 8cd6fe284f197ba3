/**
 * The certificates the local certs URLs publish, read as a verifier that
 * parses certificates would read Google's: Node's X509Certificate, and a
 * token checked against the certificate's key.
 */
import {expect} from 'chai';
import {createVerify, generateKeyPairSync, X509Certificate} from 'node:crypto';
import {TokenSigner} from '../../../local/token-signer';
import {selfSignedCertificate} from '../../../local/x509';

describe('the local signing keys as X.509 certificates', () => {
  const signer = new TokenSigner();
  const pem = signer.certs()[signer.keyId];

  it('publishes a certificate under the key id, not a bare key', () => {
    expect(Object.keys(signer.certs())).to.deep.equal([signer.keyId]);
    expect(pem).to.match(/^-----BEGIN CERTIFICATE-----\n/);
    expect(pem).not.to.include('PUBLIC KEY');
  });

  it('encodes every serial number as DER allows, whatever random bytes it starts from', () => {
    const {privateKey, publicKey} = generateKeyPairSync('rsa', {
      modulusLength: 2048,
    });
    // A first byte of 0 (a padded INTEGER) or with its top bit set (a
    // negative one): OpenSSL refuses either.
    for (const first of [0x00, 0x80, 0xff]) {
      const random = Buffer.from([first, 0x01, 2, 3, 4, 5, 6, 7]);
      const cert = new X509Certificate(
        selfSignedCertificate(privateKey, publicKey, 'x', {random}),
      );
      expect(cert.verify(publicKey), first.toString(16)).to.equal(true);
    }
  });

  it('is a self-signed certificate of the signing key, valid now', () => {
    const cert = new X509Certificate(pem);
    expect(cert.subject).to.equal('CN=local-identity-server');
    expect(cert.issuer).to.equal(cert.subject);
    expect(cert.verify(cert.publicKey)).to.equal(true);
    expect(
      cert.publicKey.export({type: 'spki', format: 'pem'}).toString(),
    ).to.equal(signer.publicKeyPem);
    const now = Date.now();
    expect(Date.parse(cert.validFrom)).to.be.below(now);
    expect(Date.parse(cert.validTo)).to.be.above(now);
  });

  it("verifies the signer's tokens with the certificate's key", () => {
    const token = signer.sign({sub: 'x'});
    const [head, body, signature] = token.split('.');
    const verify = createVerify('RSA-SHA256');
    verify.update(`${head}.${body}`);
    expect(verify.verify(pem, Buffer.from(signature, 'base64url'))).to.equal(
      true,
    );
    const other = new TokenSigner().certs();
    const verifyOther = createVerify('RSA-SHA256');
    verifyOther.update(`${head}.${body}`);
    expect(
      verifyOther.verify(
        Object.values(other)[0],
        Buffer.from(signature, 'base64url'),
      ),
    ).to.equal(false);
  });
});
