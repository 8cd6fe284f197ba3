/**
 * The internal functions called, through the whole stack in both modes, the
 * way a confused or compromised caller would call them: the gateway's own
 * service token with someone else's end-user token, or none.
 */
import {expect} from 'chai';
import type {Stack, StackMode} from '../../local/stack';
import {claimsFor} from '../../local/token-signer';
import {call} from '../fixtures/call';
import {viaConnector} from '../fixtures/connector';
import {signIn, startEndUserStack, type Who} from '../fixtures/end-users';

for (const mode of ['cloud', 'verify'] as StackMode[])
  describe(`end users in ${mode} mode: the table of who may see what`, function () {
    this.timeout(60_000);
    let stack: Stack;
    const tokens: Partial<Record<Who, string>> = {};

    before(async () => {
      stack = await startEndUserStack(mode, tokens);
    });
    after(() => stack?.stop());

    it("refuses, at user and order themselves, another user's token or none, with the gateway's own service token", async () => {
      const {user, order} = stack.info.urls;
      const carol = (await signIn(stack, 'carol@example.com')).idToken;
      const serviceToken = (audience: string) =>
        stack.identity.signer.sign(
          claimsFor(
            stack.info.issuer.url,
            stack.info.accounts.gateway,
            audience,
          ),
        );
      const direct = async (
        base: string,
        path: string,
        endUser?: string,
        serviceHeader = 'X-Serverless-Authorization',
      ) => {
        const headers = {
          [serviceHeader]: `Bearer ${serviceToken(base)}`,
          ...(endUser === undefined
            ? {}
            : {Authorization: `Bearer ${endUser}`}),
        };
        if (mode === 'cloud') {
          const res = await viaConnector(
            stack.info.connector!,
            `${base}${path}`,
            headers,
          );
          return {status: res.status, body: JSON.parse(res.text)};
        }
        return call(`${base}${path}`, {headers});
      };
      // Bob's data asked for with Carol's token: as if it were not there.
      const bobsProfile = await direct(user, '/users/user-002', carol);
      expect(bobsProfile.status).to.equal(404);
      const bobsOrder = await direct(order, '/orders/order-002', carol);
      expect(bobsOrder.status).to.equal(404);
      const bobsOrders = await direct(order, '/orders/user/user-002', carol);
      expect(bobsOrders.status).to.equal(200);
      expect(bobsOrders.body.orders).to.deep.equal([]);
      const everyone = await direct(user, '/users', carol);
      expect(everyone.status).to.equal(403);
      // No end user at all: the service token alone reads nothing.
      for (const [base, path] of [
        [user, '/users/user-002'],
        [order, '/orders/user/user-002'],
        [order, '/orders'],
      ]) {
        const res = await direct(base, path);
        expect(res.status, path).to.equal(401);
      }
      // The service token alone, in Authorization: it is taken for the
      // caller's, and the answer names what is missing, the end user's.
      const serviceOnly = await direct(
        user,
        '/users/user-002',
        undefined,
        'Authorization',
      );
      expect(serviceOnly.status).to.equal(401);
      expect(serviceOnly.body.code).to.equal('end-user-token-required');
      // And the owner's token works the same way: the refusals were about the user.
      expect(
        (await direct(user, '/users/user-002', tokens.bob)).status,
      ).to.equal(200);
    });
  });
