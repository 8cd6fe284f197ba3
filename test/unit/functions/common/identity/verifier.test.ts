import {expect} from 'chai';
import * as sinon from 'sinon';
import {
  ForbiddenError,
  HttpError,
  UnauthorizedError,
} from '../../../../../functions/common/protocol/problem';
import {TokenSigner, claimsFor} from '../../../../../local/token-signer';
import {
  AUDIENCE,
  GATEWAY,
  ISSUER,
  STRANGER,
  USER,
  tokenKit,
} from '../../../../fixtures/tokens';
import {rejectionOf} from '../../../../fixtures/rejection';

const rejection = (promise: Promise<unknown>) =>
  rejectionOf(promise, HttpError);

const now = () => Math.floor(Date.now() / 1000);

describe('TokenVerifier (verify mode)', () => {
  const {verifier, token} = tokenKit('verify');

  it('accepts a valid token from an allowed caller and names the caller', async () => {
    expect(await verifier.authenticate(`Bearer ${token(GATEWAY)}`)).to.equal(
      GATEWAY,
    );
    expect(await verifier.authenticate(`bearer ${token(USER)}`)).to.equal(USER);
  });

  const tampered = () => {
    const [h, p, s] = token().split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = Buffer.from(
      JSON.stringify({...claims, email: 'attacker@evil.test'}),
    ).toString('base64url');
    return `${h}.${forged}.${s}`;
  };

  const unauthorized: {
    name: string;
    header: () => string | undefined;
    code: string;
  }[] = [
    {
      name: 'no Authorization header',
      header: () => undefined,
      code: 'token-required',
    },
    {
      name: 'another scheme',
      header: () => `Basic ${Buffer.from('a:b').toString('base64')}`,
      code: 'token-required',
    },
    {
      name: 'a token that is not a JWT',
      header: () => 'Bearer abc',
      code: 'token-required',
    },
    {
      name: 'an expired token',
      header: () =>
        `Bearer ${token(GATEWAY, {iat: now() - 7200, exp: now() - 3600})}`,
      code: 'token-expired',
    },
    {
      name: 'a token for another audience',
      header: () => `Bearer ${token(GATEWAY, {aud: 'http://user.test'})}`,
      code: 'token-wrong-audience',
    },
    {
      name: 'a token from another issuer',
      header: () => `Bearer ${token(GATEWAY, {iss: 'https://evil.test'})}`,
      code: 'token-wrong-issuer',
    },
    {
      name: 'a tampered payload',
      header: () => `Bearer ${tampered()}`,
      code: 'token-bad-signature',
    },
    {
      name: 'a signature stripped by the platform',
      header: () =>
        `Bearer ${token().split('.').slice(0, 2).join('.')}.SIGNATURE_REMOVED_BY_GOOGLE`,
      code: 'token-bad-signature',
    },
    {
      name: 'a token signed by an unknown key',
      header: () =>
        `Bearer ${new TokenSigner().sign(claimsFor(ISSUER, GATEWAY, AUDIENCE))}`,
      code: 'token-unknown-key',
    },
    {
      name: 'a token without a verified email',
      header: () => `Bearer ${token(GATEWAY, {email_verified: false})}`,
      code: 'token-no-verified-email',
    },
  ];
  unauthorized.forEach(c =>
    it(`answers 401 to ${c.name}`, async () => {
      const error = await rejection(verifier.authenticate(c.header()));
      expect(error).to.be.instanceOf(UnauthorizedError);
      expect(error.code).to.equal(c.code);
      expect(error.headers['WWW-Authenticate']).to.match(/^Bearer/);
      // Nothing of the token itself comes back.
      expect(error.detail).not.to.match(/eyJ/);
    }),
  );

  it('answers 403 to a valid token from a caller not on the allowlist', async () => {
    const error = await rejection(
      verifier.authenticate(`Bearer ${token(STRANGER)}`),
    );
    expect(error).to.be.instanceOf(ForbiddenError);
    expect(error.status).to.equal(403);
  });

  it('verifies the token of any caller, allowlisted or not, with verify()', async () => {
    expect(await verifier.verify(`Bearer ${token(STRANGER)}`)).to.equal(
      STRANGER,
    );
    const error = await rejection(verifier.verify(`Bearer ${tampered()}`));
    expect(error).to.be.instanceOf(UnauthorizedError);
  });

  it('answers 503, not 401, when the keys cannot be fetched', async () => {
    const kit = tokenKit('verify');
    kit.certs.rejects(new Error('connect ECONNREFUSED'));
    const error = await rejection(
      kit.verifier.authenticate(`Bearer ${kit.token()}`),
    );
    expect(error.status).to.equal(503);
  });
});

describe('TokenVerifier cache of verified tokens', () => {
  it('checks the signature of a token once, then serves it from the cache', async () => {
    const {verifier, token, client} = tokenKit('verify');
    const spy = sinon.spy(client, 'verifySignedJwtWithCertsAsync');
    const header = `Bearer ${token()}`;
    for (let i = 0; i < 5; i++)
      expect(await verifier.authenticate(header)).to.equal(GATEWAY);
    expect(spy.callCount).to.equal(1);
  });

  it('does not let another signature on the same claims ride on a cached token', async () => {
    const {verifier, token} = tokenKit('verify');
    const good = token();
    await verifier.authenticate(`Bearer ${good}`);
    const forged = `${good.split('.').slice(0, 2).join('.')}.SIGNATURE_REMOVED_BY_GOOGLE`;
    expect(
      (await rejection(verifier.authenticate(`Bearer ${forged}`))).status,
    ).to.equal(401);
  });

  it('stops accepting a cached token once it has expired', async () => {
    let clock = now();
    const {verifier, token} = tokenKit('verify', () => clock);
    const header = `Bearer ${token(GATEWAY, {iat: clock, exp: clock + 60})}`;
    expect(await verifier.authenticate(header)).to.equal(GATEWAY);
    clock += 60 + 301;
    const error = await rejection(verifier.authenticate(header));
    expect(error.code).to.equal('token-expired');
  });

  it('still checks the allowlist for a cached token', async () => {
    const {verifier, token} = tokenKit('verify');
    const stranger = `Bearer ${token(STRANGER)}`;
    expect((await rejection(verifier.authenticate(stranger))).status).to.equal(
      403,
    );
    expect((await rejection(verifier.authenticate(stranger))).status).to.equal(
      403,
    );
  });
});

describe('TokenVerifier (platform mode)', () => {
  const {verifier, token} = tokenKit('platform');
  const stripped = (t: string) =>
    `${t.split('.').slice(0, 2).join('.')}.SIGNATURE_REMOVED_BY_GOOGLE`;

  it('accepts a token whose signature Cloud Run checked and removed', async () => {
    expect(
      await verifier.authenticate(`Bearer ${stripped(token(USER))}`),
    ).to.equal(USER);
  });

  const cases: {name: string; token: () => string; status: number}[] = [
    {
      name: 'another audience',
      token: () => stripped(token(GATEWAY, {aud: 'http://user.test'})),
      status: 401,
    },
    {
      name: 'another issuer',
      token: () => stripped(token(GATEWAY, {iss: 'https://evil.test'})),
      status: 401,
    },
    {
      // Past the 300 s allowance for clocks that verify mode gives too.
      name: 'an expired token',
      token: () => stripped(token(GATEWAY, {exp: now() - 310})),
      status: 401,
    },
    {
      name: 'a caller not on the allowlist',
      token: () => stripped(token(STRANGER)),
      status: 403,
    },
  ];
  cases.forEach(c =>
    it(`still refuses ${c.name}`, async () => {
      expect(
        (await rejection(verifier.authenticate(`Bearer ${c.token()}`))).status,
      ).to.equal(c.status);
    }),
  );
});
