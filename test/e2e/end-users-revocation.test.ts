/**
 * An admin whose account changes, through the whole stack and the local
 * Identity Platform's admin API: tokens revoked, the account disabled or
 * deleted, or the admin claim removed, and the admin's token, valid a
 * moment before, is refused on admin routes (by the gateway and by user
 * itself) once the functions' bound on a looked-up account has passed,
 * not an hour later. Routes that are not admin routes look nothing up.
 * In cloud mode only: the check is the end user's, the same in both modes.
 */
import {expect} from 'chai';
import {startStack, type Stack} from '../../local/stack';
import {claimsFor} from '../../local/token-signer';
import {call} from '../fixtures/call';
import {viaConnector} from '../fixtures/connector';
import {uniqueProjectId} from '../fixtures/emulator';
import {signIn} from '../fixtures/end-users';

/** The functions' bound on a looked-up account (END_USER_ACCOUNT_CACHE_S), short so the test need not wait long. */
const BOUND_S = 1;
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

describe('end users: an admin whose account changes loses the admin routes', function () {
  this.timeout(90_000);
  let stack: Stack;

  before(async () => {
    stack = await startStack({
      mode: 'cloud',
      projectId: uniqueProjectId('revoke'),
      firestoreHost: process.env.FIRESTORE_EMULATOR_HOST,
      env: {END_USER_ACCOUNT_CACHE_S: String(BOUND_S)},
    });
  });
  after(() => stack?.stop());

  /** A call to Identity Toolkit's admin API, as an admin makes it. */
  const adminApi = async (method: string, body: unknown) => {
    const {endUsers, projectId} = stack.info;
    const res = await call(
      `${endUsers.identityToolkit}/v1/projects/${projectId}/accounts:${method}`,
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${endUsers.adminToken}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(body),
      },
    );
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  };

  /** A new account made admin, signed in after: its token carries the claim. */
  const newAdmin = async (name: string) => {
    const email = `${name}@example.com`;
    const {localId} = await signIn(stack, email, 'signUp', `${name}-password`);
    await adminApi('update', {localId, customAttributes: '{"role":"admin"}'});
    const {idToken} = await signIn(
      stack,
      email,
      'signInWithPassword',
      `${name}-password`,
    );
    return {uid: localId, token: idToken};
  };

  const gateway = (token: string, path: string) =>
    call(`${stack.info.urls.gateway}${path}`, {
      headers: {Authorization: `Bearer ${token}`},
    });
  /** user's own admin route, called as the gateway calls it, through the connector. */
  const userItself = async (token: string) => {
    const url = stack.info.urls.user;
    const res = await viaConnector(stack.info.connector!, `${url}/users`, {
      'X-Serverless-Authorization': `Bearer ${stack.identity.signer.sign(
        claimsFor(stack.info.issuer.url, stack.info.accounts.gateway, url),
      )}`,
      Authorization: `Bearer ${token}`,
    });
    return {status: res.status, body: JSON.parse(res.text)};
  };

  const changes: {
    name: string;
    change: (uid: string) => Promise<void>;
    status: number;
    code: string;
  }[] = [
    {
      name: 'revoked',
      // As firebase-admin's revokeRefreshTokens does: valid since now.
      change: uid =>
        adminApi('update', {
          localId: uid,
          validSince: String(Math.floor(Date.now() / 1000)),
        }),
      status: 401,
      code: 'token-revoked',
    },
    {
      name: 'disabled',
      change: uid => adminApi('update', {localId: uid, disableUser: true}),
      status: 401,
      code: 'account-disabled',
    },
    {
      name: 'deleted',
      change: uid => adminApi('delete', {localId: uid}),
      status: 401,
      code: 'account-deleted',
    },
    {
      name: 'demoted',
      change: uid => adminApi('update', {localId: uid, customAttributes: '{}'}),
      status: 403,
      code: 'admin-only',
    },
  ];

  it('refuses the token of an admin revoked, disabled, deleted or demoted, within the bound', async () => {
    const admins = await Promise.all(changes.map(c => newAdmin(c.name)));
    // Each token works on admin routes, at the gateway and at user: the
    // account each function looked up is now in its cache.
    for (const {token} of admins) {
      expect((await gateway(token, '/api/users')).status).to.equal(200);
      expect((await userItself(token)).status).to.equal(200);
    }
    // Revoked "now" must be after the sign-in's second to revoke it
    // (firebase-admin compares auth_time < validSince, in seconds).
    await sleep(1100);
    await Promise.all(changes.map((c, i) => c.change(admins[i].uid)));
    // What the functions looked up before the change is older than the
    // bound after this, whatever the machine's speed.
    await sleep(BOUND_S * 1000 + 100);
    for (const [i, c] of changes.entries()) {
      const {token} = admins[i];
      for (const [where, res] of [
        ['gateway', await gateway(token, '/api/users')],
        ['user', await userItself(token)],
      ] as const) {
        expect(res.status, `${c.name} at ${where}`).to.equal(c.status);
        expect(res.body.code, `${c.name} at ${where}`).to.equal(c.code);
      }
      expect(
        (await gateway(token, '/api/aggregate')).body.code,
        c.name,
      ).to.equal(c.code);
    }
  });

  it('looks an account up on admin routes only', async () => {
    const {idToken} = await signIn(stack, 'alice@example.com');
    const lookups = () => stack.identity.toolkit.lookups;
    const before = lookups();
    for (const path of [
      '/api/orders',
      '/api/users/user-001',
      '/api/user-orders/user-001',
      '/api/orders/order-001',
    ])
      expect((await gateway(idToken, path)).status, path).to.equal(200);
    expect(lookups()).to.equal(before);
    // An admin route, by the same admin: the gateway and user each look up.
    expect((await gateway(idToken, '/api/users')).status).to.equal(200);
    expect(lookups()).to.be.greaterThan(before);
  });
});
