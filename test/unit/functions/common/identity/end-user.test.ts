/**
 * The end-user check against tokens signed the way Identity Platform signs
 * them (RS256, a key id, keys at a certs URL) and every way a token can be
 * wrong: each refused with a 401 that names what is wrong, never the token.
 */
import {expect} from 'chai';
import {createHmac} from 'node:crypto';
import {OAuth2Client} from 'google-auth-library';
import * as sinon from 'sinon';
import {EndUserVerifier} from '../../../../../functions/common/identity/end-user';
import {
  HttpError,
  UnauthorizedError,
} from '../../../../../functions/common/protocol/problem';
import {endUserClaims} from '../../../../../local/identity-toolkit';
import {claimsFor, TokenSigner} from '../../../../../local/token-signer';
import {rejectionOf} from '../../../../fixtures/rejection';

const PROJECT = 'end-user-test';
const ISSUER = `https://securetoken.google.com/${PROJECT}`;
const b64 = (x: unknown) =>
  Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString(
    'base64url',
  );
const now = () => Math.floor(Date.now() / 1000);

function kit() {
  const signer = new TokenSigner();
  const client = new OAuth2Client({issuers: [ISSUER]});
  // The keys' fetch over the network, faked: the client's own cache of the
  // keys (per their Cache-Control) runs as it ships.
  const certs = sinon.stub(client.transporter, 'request').callsFake(
    async () =>
      ({
        data: signer.certs(),
        headers: new Headers({'cache-control': 'public, max-age=3600'}),
      }) as never,
  );
  const verifier = new EndUserVerifier({
    issuer: ISSUER,
    audience: PROJECT,
    certsUrl: 'http://unused.test/certs',
    client,
  });
  const claims = (over: Record<string, unknown> = {}) => ({
    ...endUserClaims(PROJECT, 'uid-1', 'u1@example.com'),
    ...over,
  });
  const token = (over: Record<string, unknown> = {}) =>
    signer.sign(claims(over));
  return {signer, verifier, claims, token, certs, client};
}

const refusal = async (verifier: EndUserVerifier, header: string | undefined) =>
  rejectionOf(verifier.authenticate(header), UnauthorizedError);

describe('EndUserVerifier', () => {
  it('resolves to the uid, admin or not, and the email of a valid token', async () => {
    const {verifier, token} = kit();
    expect(await verifier.authenticate(`Bearer ${token()}`)).to.deep.equal({
      uid: 'uid-1',
      admin: false,
      email: 'u1@example.com',
      emailVerified: false,
    });
    // Only Identity Platform's own true proves the address.
    for (const [value, verified] of [
      [true, true],
      ['true', false],
      [1, false],
      [null, false],
    ] as const)
      expect(
        (
          await verifier.authenticate(
            `Bearer ${token({email_verified: value})}`,
          )
        ).emailVerified,
        JSON.stringify(value),
      ).to.equal(verified);
    expect(
      await verifier.authenticate(`Bearer ${token({role: 'admin'})}`),
    ).to.deep.include({uid: 'uid-1', admin: true});
    // Only the exact claim makes an admin.
    for (const role of ['Admin', ['admin'], true, 'administrator'])
      expect(
        (await verifier.authenticate(`Bearer ${token({role})}`)).admin,
        JSON.stringify(role),
      ).to.equal(false);
  });

  const forged: {
    name: string;
    header: (k: ReturnType<typeof kit>) => string | undefined;
    code: string;
  }[] = [
    {
      name: 'no Authorization header',
      header: () => undefined,
      code: 'end-user-token-required',
    },
    {
      name: 'another scheme',
      header: k => `Basic ${k.token()}`,
      code: 'end-user-token-required',
    },
    {
      name: 'an expired token',
      header: k =>
        `Bearer ${k.token({iat: now() - 7200, exp: now() - 3600, auth_time: now() - 7200})}`,
      code: 'token-expired',
    },
    {
      name: 'a token for another project (audience)',
      header: k => `Bearer ${k.token({aud: 'other-project'})}`,
      code: 'token-wrong-audience',
    },
    {
      name: 'a token from another issuer',
      header: k =>
        `Bearer ${k.token({iss: 'https://securetoken.google.com/other-project'})}`,
      code: 'token-wrong-issuer',
    },
    {
      name: 'alg "none" with a signature of any bytes',
      header: k =>
        `Bearer ${b64({alg: 'none', kid: k.signer.keyId})}.${b64(k.claims())}.AAAA`,
      code: 'token-wrong-algorithm',
    },
    {
      name: 'HS256 signed with the public key as the secret',
      header: k => {
        const head = b64({alg: 'HS256', typ: 'JWT', kid: k.signer.keyId});
        const body = b64(k.claims({role: 'admin'}));
        const mac = createHmac('sha256', k.signer.publicKeyPem)
          .update(`${head}.${body}`)
          .digest('base64url');
        return `Bearer ${head}.${body}.${mac}`;
      },
      code: 'token-wrong-algorithm',
    },
    {
      name: 'an unknown kid',
      header: k => `Bearer ${k.signer.sign(k.claims(), {kid: 'not-a-key'})}`,
      code: 'token-unknown-key',
    },
    {
      name: 'no kid',
      header: k => `Bearer ${k.signer.sign(k.claims(), {kid: undefined})}`,
      code: 'token-no-key-id',
    },
    {
      name: 'a key the issuer never published (signed by another key with the same kid)',
      header: k => {
        const other = new TokenSigner();
        return `Bearer ${other.sign(k.claims(), {kid: k.signer.keyId})}`;
      },
      code: 'token-bad-signature',
    },
    {
      name: 'its payload changed after signing (role: admin added)',
      header: k => {
        const [head, , signature] = k.token().split('.');
        return `Bearer ${head}.${b64(k.claims({role: 'admin'}))}.${signature}`;
      },
      code: 'token-bad-signature',
    },
    {
      name: "a service account's Google ID token",
      header: k =>
        `Bearer ${k.signer.sign(claimsFor('https://accounts.google.com', 'gateway-fn@p.iam.gserviceaccount.com', PROJECT))}`,
      code: 'token-wrong-issuer',
    },
    {
      name: 'an unsigned token, as the Firebase Auth emulator issues',
      header: k =>
        `Bearer ${b64({alg: 'none', typ: 'JWT'})}.${b64(k.claims())}.`,
      code: 'end-user-token-required',
    },
    {
      name: 'no sub',
      header: k => `Bearer ${k.token({sub: undefined})}`,
      code: 'token-no-user',
    },
    {
      name: 'an empty sub',
      header: k => `Bearer ${k.token({sub: ''})}`,
      code: 'token-no-user',
    },
    {
      name: 'a sub longer than 128 characters',
      header: k => `Bearer ${k.token({sub: 'u'.repeat(129)})}`,
      code: 'token-bad-user',
    },
    {
      name: 'no auth_time',
      header: k => `Bearer ${k.token({auth_time: undefined})}`,
      code: 'token-no-sign-in-time',
    },
    {
      name: 'an auth_time in the future',
      header: k => `Bearer ${k.token({auth_time: now() + 3600})}`,
      code: 'token-no-sign-in-time',
    },
  ];
  forged.forEach(c =>
    it(`refuses ${c.name}, saying why and never the token`, async () => {
      const k = kit();
      const header = c.header(k);
      const e = await refusal(k.verifier, header);
      expect(e).to.include({status: 401, code: c.code});
      expect(e.headers['WWW-Authenticate']).to.match(/^Bearer/);
      if (header !== undefined)
        expect(e.detail).not.to.contain(header.split(' ')[1].slice(0, 20));
    }),
  );

  it('accepts a sub of exactly 128 characters and an auth_time within the clock allowance', async () => {
    const {verifier, token} = kit();
    const uid = 'u'.repeat(128);
    expect(
      (await verifier.authenticate(`Bearer ${token({sub: uid})}`)).uid,
    ).to.equal(uid);
    expect(
      (await verifier.authenticate(`Bearer ${token({auth_time: now() + 200})}`))
        .uid,
    ).to.equal('uid-1');
  });

  it("checks a repeated token's signature once, and fetches the keys once", async () => {
    const {verifier, token, certs, client} = kit();
    const signatures = sinon.spy(client, 'verifySignedJwtWithCertsAsync');
    const header = `Bearer ${token()}`;
    for (let i = 0; i < 5; i++) await verifier.authenticate(header);
    await verifier.authenticate(`Bearer ${token({jti: 'second'})}`);
    expect(signatures.callCount).to.equal(2);
    // The client keeps the keys as long as their Cache-Control says.
    expect(certs.callCount).to.equal(1);
  });

  it('shares one fetch of the keys among the requests that arrive during it', async () => {
    const {verifier, token, certs, signer} = kit();
    let release!: () => void;
    certs.onFirstCall().callsFake(
      () =>
        new Promise(resolve => {
          release = () =>
            resolve({
              data: signer.certs(),
              headers: new Headers({'cache-control': 'max-age=3600'}),
            } as never);
        }),
    );
    const answers = Promise.all(
      ['a', 'b', 'c'].map(jti =>
        verifier.authenticate(`Bearer ${token({jti})}`),
      ),
    );
    await new Promise(setImmediate);
    release();
    expect((await answers).map(u => u.uid)).to.deep.equal([
      'uid-1',
      'uid-1',
      'uid-1',
    ]);
    expect(certs.callCount).to.equal(1);
    // Once it is over, the client's cache answers.
    await verifier.authenticate(`Bearer ${token({jti: 'd'})}`);
    expect(certs.callCount).to.equal(1);
  });

  it('keeps no failed fetch: the request that needs the keys next fetches them again', async () => {
    const {verifier, token, certs} = kit();
    certs.onFirstCall().rejects(new Error('connect ECONNREFUSED'));
    const first = await rejectionOf(
      verifier.authenticate(`Bearer ${token()}`),
      HttpError,
    );
    expect(first.status).to.equal(503);
    expect((await verifier.authenticate(`Bearer ${token()}`)).uid).to.equal(
      'uid-1',
    );
    expect(certs.callCount).to.equal(2);
  });

  it('answers 503, not 401, when the keys can be fetched for the first look but not for the check', async () => {
    const {verifier, token, certs, signer} = kit();
    // Keys without a max-age are fetched again on every use.
    certs.onFirstCall().resolves({
      data: signer.certs(),
      headers: new Headers(),
    } as never);
    certs.onSecondCall().rejects(new Error('connect ECONNREFUSED'));
    const refused = await rejectionOf(
      verifier.authenticate(`Bearer ${token()}`),
      HttpError,
    );
    expect([refused.status, refused.code]).to.deep.equal([
      503,
      'credentials-unverifiable',
    ]);
  });
});
