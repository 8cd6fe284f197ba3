/**
 * Which problem the verifier answers a refused caller with, and the edges of
 * its checks: the Authorization header's form, the cache's expiry and size,
 * and claims that are not an object.
 */
import {expect} from 'chai';
import {
  faultOf,
  type TokenFault,
} from '../../../../../functions/common/identity/signed-tokens';
import {HttpError} from '../../../../../functions/common/protocol/problem';
import {rejectionOf} from '../../../../fixtures/rejection';
import {GATEWAY, STRANGER, tokenKit} from '../../../../fixtures/tokens';

const codeOf = async (promise: Promise<unknown>) =>
  (await rejectionOf(promise, HttpError)).code;
const now = () => Math.floor(Date.now() / 1000);
const unsigned = (claims: unknown) =>
  `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.SIGNATURE_REMOVED_BY_GOOGLE`;

describe('TokenVerifier, at the edges', () => {
  const reasons: [string, TokenFault][] = [
    ['Wrong number of segments in token: x', 'token-malformed'],
    ["Can't parse token envelope: x", 'token-malformed'],
    ['No pem found for envelope: {}', 'token-unknown-key'],
    ['Invalid token signature: x', 'token-bad-signature'],
    ['Token used too late, 1 > 2: {}', 'token-expired'],
    ['Token used too early, 2 < 1: {}', 'token-not-yet-valid'],
    ['Expiration time too far in future: {}', 'token-lifetime-too-long'],
    ['Invalid issuer, expected one of [x], but got y', 'token-wrong-issuer'],
    [
      'Wrong recipient, payload audience != requiredAudience',
      'token-wrong-audience',
    ],
    ['No issue time in token: {}', 'token-missing-times'],
    ['No expiration time in token: {}', 'token-missing-times'],
    ['iat field using invalid format', 'token-missing-times'],
    // Only the library's own messages, by their start: anything else is "invalid".
    ['x Wrong number of segments', 'token-invalid'],
    ["x Can't parse", 'token-invalid'],
    ['x No pem found', 'token-invalid'],
    ['x Invalid token signature', 'token-invalid'],
    ['x Token used too late', 'token-invalid'],
    ['x Token used too early', 'token-invalid'],
    ['x Expiration time too far', 'token-invalid'],
    ['x Invalid issuer', 'token-invalid'],
    ['x Wrong recipient', 'token-invalid'],
    ['x No issue time', 'token-invalid'],
    ['', 'token-invalid'],
  ];
  reasons.forEach(([message, fault]) =>
    it(`reads "${message}" as ${fault}`, () => {
      expect(faultOf(message)).to.equal(fault);
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
      expect(await codeOf(verifier.authenticate(header(token())))).to.equal(
        'token-required',
      );
    }),
  );

  it('says why a caller is refused, by code', async () => {
    const {verifier, token} = tokenKit('platform');
    const t = (claims: object) =>
      unsigned({
        ...JSON.parse(
          Buffer.from(token().split('.')[1], 'base64url').toString(),
        ),
        ...claims,
      });
    expect(
      await codeOf(verifier.authenticate(`Bearer ${t({iss: 'x'})}`)),
    ).to.equal('token-wrong-issuer');
    expect(
      await codeOf(verifier.authenticate(`Bearer ${t({aud: 'x'})}`)),
    ).to.equal('token-wrong-audience');
    expect(
      await codeOf(verifier.authenticate(`Bearer ${t({exp: now() - 400})}`)),
    ).to.equal('token-expired');
    expect(
      await codeOf(verifier.authenticate(`Bearer ${t({exp: 'soon'})}`)),
    ).to.equal('token-expired');
    expect(
      await codeOf(verifier.authenticate(`Bearer ${t({email: STRANGER})}`)),
    ).to.equal('caller-not-allowed');
  });

  it('refuses, in platform mode, claims that are not an object', async () => {
    const {verifier} = tokenKit('platform');
    for (const claims of [null, 42, 'text', [1]])
      expect(
        await codeOf(verifier.authenticate(`Bearer ${unsigned(claims)}`)),
        JSON.stringify(claims),
      ).to.be.oneOf(['token-malformed', 'token-wrong-issuer']);
    expect(
      await codeOf(verifier.authenticate(`Bearer ${unsigned(null)}`)),
    ).to.equal('token-malformed');
    expect(
      await codeOf(verifier.authenticate(`Bearer ${unsigned(7)}`)),
    ).to.equal('token-malformed');
    expect(await codeOf(verifier.authenticate('Bearer a.b!.c'))).to.equal(
      'token-required',
    );
    expect(
      await codeOf(verifier.authenticate('Bearer a.bm90IGpzb24.c')),
    ).to.equal('token-malformed');
  });

  it('says it cannot check credentials when the keys cannot be fetched', async () => {
    const kit = tokenKit('verify');
    kit.certs.rejects(new Error('down'));
    const error = await rejectionOf(
      kit.verifier.authenticate(`Bearer ${kit.token()}`),
      HttpError,
    );
    expect([error.status, error.code]).to.deep.equal([
      503,
      'credentials-unverifiable',
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
      expect(await codeOf(verifier.authenticate(header(now() - 310)))).to.equal(
        'token-expired',
      );
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
    expect(await codeOf(verifier.authenticate(header))).to.equal(
      'token-expired',
    );
  });
});
