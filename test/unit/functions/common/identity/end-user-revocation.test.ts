/**
 * The end-user check with `checkRevoked` (admin routes): firebase-admin's
 * verifyIdToken(token, checkRevoked) against the account as it is now, in
 * its order (gone, disabled, revoked after this token's sign-in), and the
 * admin claim only while the account still holds it.
 */
import {expect} from 'chai';
import {OAuth2Client} from 'google-auth-library';
import * as sinon from 'sinon';
import type {
  Account,
  AccountSource,
} from '../../../../../functions/common/identity/accounts';
import {EndUserVerifier} from '../../../../../functions/common/identity/end-user';
import {
  HttpError,
  UnauthorizedError,
} from '../../../../../functions/common/protocol/problem';
import {endUserClaims} from '../../../../../local/identity-toolkit';
import {TokenSigner} from '../../../../../local/token-signer';
import {rejectionOf} from '../../../../fixtures/rejection';

const PROJECT = 'revocation-test';
/** When the token's user signed in: a whole second, as tokens carry it. */
const SIGNED_IN = Math.floor(Date.now() / 1000) - 60;

/** Accounts answered from `now`, each look-up recorded. */
function fakeAccounts(now: Record<string, Account | undefined>) {
  const asked: string[] = [];
  const source: AccountSource = {
    account: async uid => {
      asked.push(uid);
      return now[uid];
    },
  };
  return {source, asked};
}

function kit(accounts?: AccountSource) {
  const signer = new TokenSigner();
  const client = new OAuth2Client({
    issuers: [`https://securetoken.google.com/${PROJECT}`],
  });
  sinon
    .stub(client, 'getFederatedSignonCertsAsync')
    .resolves({certs: signer.certs(), format: 'PEM'} as never);
  const verifier = new EndUserVerifier({
    issuer: `https://securetoken.google.com/${PROJECT}`,
    audience: PROJECT,
    certsUrl: 'http://unused.test/certs',
    client,
    accounts,
  });
  const header = (admin = true) =>
    `Bearer ${signer.sign({
      ...endUserClaims(PROJECT, 'uid-1', 'u1@example.com', {
        claims: admin ? {role: 'admin'} : {},
      }),
      auth_time: SIGNED_IN,
    })}`;
  return {verifier, header};
}

const ADMIN: Account = {disabled: false, claims: {role: 'admin'}};

describe('EndUserVerifier: checkRevoked', () => {
  const refused: {name: string; account: Account | undefined; code: string}[] =
    [
      {name: 'an account deleted', account: undefined, code: 'account-deleted'},
      {
        name: 'a disabled account',
        account: {...ADMIN, disabled: true},
        code: 'account-disabled',
      },
      {
        name: 'tokens revoked a second after this one’s sign-in',
        account: {...ADMIN, validSince: SIGNED_IN + 1},
        code: 'token-revoked',
      },
      {
        // firebase-admin's order: disabled is said before revoked.
        name: 'a disabled account whose tokens were revoked too',
        account: {...ADMIN, disabled: true, validSince: SIGNED_IN + 1},
        code: 'account-disabled',
      },
    ];
  refused.forEach(c =>
    it(`refuses a valid admin token of ${c.name} with a 401 ${c.code}`, async () => {
      const {source, asked} = fakeAccounts({'uid-1': c.account});
      const {verifier, header} = kit(source);
      const e = await rejectionOf(
        verifier.authenticate(header(), true),
        UnauthorizedError,
      );
      expect(e).to.include({status: 401, code: c.code});
      expect(e.headers['WWW-Authenticate']).to.equal(
        'Bearer error="invalid_token"',
      );
      expect(asked).to.deep.equal(['uid-1']);
    }),
  );

  const admins: {
    name: string;
    tokenAdmin: boolean;
    account: Account;
    admin: boolean;
  }[] = [
    {
      name: 'an admin, as before',
      tokenAdmin: true,
      account: ADMIN,
      admin: true,
    },
    {
      // firebase-admin compares auth_time < validSince: a token signed in
      // the very second of the revocation stands.
      name: 'tokens revoked the second this one signed in',
      tokenAdmin: true,
      account: {...ADMIN, validSince: SIGNED_IN},
      admin: true,
    },
    {
      name: 'tokens revoked before this one signed in',
      tokenAdmin: true,
      account: {...ADMIN, validSince: SIGNED_IN - 3600},
      admin: true,
    },
    {
      name: 'the admin claim removed since',
      tokenAdmin: true,
      account: {disabled: false, claims: {}},
      admin: false,
    },
    {
      name: 'the claim changed to another role',
      tokenAdmin: true,
      account: {disabled: false, claims: {role: 'viewer'}},
      admin: false,
    },
    {
      // The token's word is needed too: a claim added since counts from
      // the next sign-in, as Identity Platform puts it in the tokens.
      name: 'the claim added since, not in the token',
      tokenAdmin: false,
      account: ADMIN,
      admin: false,
    },
  ];
  admins.forEach(c =>
    it(`takes ${c.name} as admin: ${c.admin}`, async () => {
      const {source} = fakeAccounts({'uid-1': c.account});
      const {verifier, header} = kit(source);
      expect(
        await verifier.authenticate(header(c.tokenAdmin), true),
      ).to.deep.include({uid: 'uid-1', admin: c.admin});
    }),
  );

  it('looks nothing up without checkRevoked: the token alone says who is admin', async () => {
    const {source, asked} = fakeAccounts({'uid-1': undefined});
    const {verifier, header} = kit(source);
    expect(await verifier.authenticate(header())).to.deep.include({
      uid: 'uid-1',
      admin: true,
    });
    expect(asked).to.deep.equal([]);
  });

  it('refuses, never skips, a check it has no accounts for (503), and passes on a lookup that fails', async () => {
    const none = kit();
    const e = await rejectionOf(
      none.verifier.authenticate(none.header(), true),
      HttpError,
    );
    expect(e).to.include({status: 503, code: 'credentials-unverifiable'});
    const failing = kit({
      account: () =>
        Promise.reject(
          new HttpError(503, 'credentials-unverifiable', 'Not now.'),
        ),
    });
    const f = await rejectionOf(
      failing.verifier.authenticate(failing.header(), true),
      HttpError,
    );
    expect(f).to.include({status: 503, code: 'credentials-unverifiable'});
  });

  it('checks the token before the account: a bad token is not looked up', async () => {
    const {source, asked} = fakeAccounts({'uid-1': ADMIN});
    const {verifier, header} = kit(source);
    const e = await rejectionOf(
      verifier.authenticate(`${header()}x`, true),
      UnauthorizedError,
    );
    expect(e.code).to.equal('token-bad-signature');
    expect(asked).to.deep.equal([]);
  });
});
