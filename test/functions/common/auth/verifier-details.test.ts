/**
 * What the verifier tells a refused caller, word for word, and the edges of
 * its checks: the Authorization header's form, the cache's expiry and size,
 * and claims that are not an object.
 */
import {expect} from 'chai';
import {reasonFor} from '../../../../functions/common/auth/signed-tokens';
import {HttpError} from '../../../../functions/common/problem';
import {rejectionOf} from '../../../fixtures/rejection';
import {GATEWAY, STRANGER, tokenKit} from '../../../fixtures/tokens';

const detailOf = async (promise: Promise<unknown>) =>
  (await rejectionOf(promise, HttpError)).detail;
const now = () => Math.floor(Date.now() / 1000);
const unsigned = (claims: unknown) =>
  `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.SIGNATURE_REMOVED_BY_GOOGLE`;

describe('TokenVerifier, in detail', () => {
  const reasons: [string, string][] = [
    ['Wrong number of segments in token: x', 'is malformed'],
    ["Can't parse token envelope: x", 'is malformed'],
    ['No pem found for envelope: {}', 'is signed by an unknown key'],
    ['Invalid token signature: x', 'has an invalid signature'],
    ['Token used too late, 1 > 2: {}', 'has expired'],
    ['Token used too early, 2 < 1: {}', 'is not valid yet'],
    ['Expiration time too far in future: {}', 'lives too long'],
    [
      'Invalid issuer, expected one of [x], but got y',
      'is from an untrusted issuer',
    ],
    [
      'Wrong recipient, payload audience != requiredAudience',
      'is for another audience',
    ],
    ['No issue time in token: {}', 'lacks its times'],
    ['No expiration time in token: {}', 'lacks its times'],
    ['iat field using invalid format', 'lacks its times'],
    // Only the library's own messages, by their start: anything else is "invalid".
    ['x Wrong number of segments', 'is invalid'],
    ["x Can't parse", 'is invalid'],
    ['x No pem found', 'is invalid'],
    ['x Invalid token signature', 'is invalid'],
    ['x Token used too late', 'is invalid'],
    ['x Token used too early', 'is invalid'],
    ['x Expiration time too far', 'is invalid'],
    ['x Invalid issuer', 'is invalid'],
    ['x Wrong recipient', 'is invalid'],
    ['x No issue time', 'is invalid'],
    ['', 'is invalid'],
  ];
  reasons.forEach(([message, reason]) =>
    it(`reads "${message}" as "${reason}"`, () => {
      expect(reasonFor(message)).to.equal(reason);
    }),
  );

  it('accepts the Bearer scheme in any case and with more than one space', async () => {
    const {verifier, token} = tokenKit('verify');
    expect(await verifier.authenticate(`bearer  ${token()}`)).to.equal(GATEWAY);
  });

  const malformedHeaders: [string, (t: string) => string][] = [
    ['text before the scheme', t => `x Bearer ${t}`],
    ['text after the token', t => `Bearer ${t} x`],
    ['no space after the scheme', t => `Bearer${t}`],
    ['another scheme', t => `Basic ${t}`],
  ];
  malformedHeaders.forEach(([name, header]) =>
    it(`asks for a bearer token when the header has ${name}`, async () => {
      const {verifier, token} = tokenKit('verify');
      expect(await detailOf(verifier.authenticate(header(token())))).to.equal(
        'A bearer token is required.',
      );
    }),
  );

  it('says why a caller is refused, in words the caller may see', async () => {
    const {verifier, token} = tokenKit('platform');
    const t = (claims: object) =>
      unsigned({
        ...JSON.parse(
          Buffer.from(token().split('.')[1], 'base64url').toString(),
        ),
        ...claims,
      });
    expect(
      await detailOf(verifier.authenticate(`Bearer ${t({iss: 'x'})}`)),
    ).to.equal('The bearer token is from an untrusted issuer.');
    expect(
      await detailOf(verifier.authenticate(`Bearer ${t({aud: 'x'})}`)),
    ).to.equal('The bearer token is for another audience.');
    expect(
      await detailOf(verifier.authenticate(`Bearer ${t({exp: now() - 400})}`)),
    ).to.equal('The bearer token has expired.');
    expect(
      await detailOf(verifier.authenticate(`Bearer ${t({exp: 'soon'})}`)),
    ).to.equal('The bearer token has expired.');
    expect(
      await detailOf(verifier.authenticate(`Bearer ${t({email: STRANGER})}`)),
    ).to.equal('This caller is not allowed to call this function.');
  });

  it('refuses, in platform mode, claims that are not an object', async () => {
    const {verifier} = tokenKit('platform');
    for (const claims of [null, 42, 'text', [1]])
      expect(
        await detailOf(verifier.authenticate(`Bearer ${unsigned(claims)}`)),
        JSON.stringify(claims),
      ).to.match(
        /^The bearer token (is malformed|is from an untrusted issuer)\.$/,
      );
    expect(
      await detailOf(verifier.authenticate(`Bearer ${unsigned(null)}`)),
    ).to.equal('The bearer token is malformed.');
    expect(
      await detailOf(verifier.authenticate(`Bearer ${unsigned(7)}`)),
    ).to.equal('The bearer token is malformed.');
    expect(await detailOf(verifier.authenticate('Bearer a.b!.c'))).to.equal(
      'A bearer token is required.',
    );
    expect(
      await detailOf(verifier.authenticate('Bearer a.bm90IGpzb24.c')),
    ).to.equal('The bearer token is malformed.');
  });

  it('says it cannot check credentials when the keys cannot be fetched', async () => {
    const kit = tokenKit('verify');
    kit.certs.rejects(new Error('down'));
    const error = await rejectionOf(
      kit.verifier.authenticate(`Bearer ${kit.token()}`),
      HttpError,
    );
    expect([error.status, error.detail]).to.deep.equal([
      503,
      'Credentials cannot be verified right now.',
    ]);
  });

  it('remembers at most its limit of tokens, forgetting the oldest', async () => {
    const {verifier, token, client} = tokenKit('verify', undefined, 2);
    const verifications = () =>
      (client.verifySignedJwtWithCertsAsync as unknown as {callCount?: number})
        .callCount;
    const spy = (await import('sinon')).spy(
      client,
      'verifySignedJwtWithCertsAsync',
    );
    const [a, b, c] = [1, 2, 3].map(
      i => `Bearer ${token(GATEWAY, {iat: now() - i})}`,
    );
    for (const h of [a, b, a, b]) await verifier.authenticate(h);
    expect(spy.callCount, 'a and b verified once each').to.equal(2);
    await verifier.authenticate(c); // evicts a, the oldest
    await verifier.authenticate(b);
    expect(spy.callCount).to.equal(3);
    await verifier.authenticate(a);
    expect(spy.callCount).to.equal(4);
    expect(verifications()).to.equal(4);
  });

  (['verify', 'platform'] as const).forEach(mode =>
    it(`gives, in ${mode} mode, the same 300 s allowance for clocks past expiry`, async () => {
      const {verifier, token} = tokenKit(mode);
      const header = (exp: number) => {
        const signed = token(GATEWAY, {iat: exp - 3600, exp});
        return `Bearer ${
          mode === 'platform'
            ? signed.replace(/[^.]*$/, 'SIGNATURE_REMOVED_BY_GOOGLE')
            : signed
        }`;
      };
      expect(await verifier.authenticate(header(now() - 290))).to.equal(
        GATEWAY,
      );
      expect(
        await detailOf(verifier.authenticate(header(now() - 310))),
      ).to.equal('The bearer token has expired.');
    }),
  );

  it('keeps a cached token exactly as long as a new one would pass', async () => {
    let clock = now();
    const {verifier, token} = tokenKit('verify', () => clock);
    const header = `Bearer ${token(GATEWAY, {iat: clock - 60, exp: clock + 10})}`;
    await verifier.authenticate(header);
    clock += 10 + 300;
    expect(await verifier.authenticate(header)).to.equal(GATEWAY);
    clock += 1;
    expect(await detailOf(verifier.authenticate(header))).to.equal(
      'The bearer token has expired.',
    );
  });
});
