/**
 * Who may see what beyond the table, through the whole stack in both modes:
 * another's id answered as a missing one, what a user may do to their own
 * orders and profile, keys scoped to the user, reserved ids refused at every
 * hop, no token taken from a query string.
 */
import {expect} from 'chai';
import {randomUUID} from 'node:crypto';
import type {Stack, StackMode} from '../../local/stack';
import {call, type Reply} from '../fixtures/call';
import {
  gatewayCalls,
  item,
  signIn,
  startEndUserStack,
  type Who,
} from '../fixtures/end-users';

for (const mode of ['cloud', 'verify'] as StackMode[])
  describe(`end users in ${mode} mode: the table of who may see what`, function () {
    this.timeout(60_000);
    let stack: Stack;
    const tokens: Partial<Record<Who, string>> = {};

    before(async () => {
      stack = await startEndUserStack(mode, tokens);
    });
    after(() => stack?.stop());

    const {gw, send} = gatewayCalls(() => stack, tokens);

    it("answers another user's id exactly as a missing one", async () => {
      for (const prefix of [
        '/api/users/',
        '/api/user-orders/',
        '/api/user-orders-direct/',
      ]) {
        const [other, missing] = await Promise.all([
          gw('bob', `${prefix}user-003`),
          gw('bob', `${prefix}user-999`),
        ]);
        const shape = (r: Reply, id: string) => ({
          status: r.status,
          type: r.headers.get('content-type'),
          keys: Object.keys(r.body).sort(),
          body: {
            ...r.body,
            detail: r.body.detail.replace(id, '{id}'),
            instance: r.body.instance.replace(id, '{id}'),
            requestId: undefined,
          },
        });
        expect(shape(other, 'user-003'), prefix).to.deep.equal(
          shape(missing, 'user-999'),
        );
      }
    });

    it('lets a user cancel their own pending order, and nothing more', async () => {
      const created = await send('bob', 'POST', '/api/orders', {items: [item]});
      const id = created.body.data.order.id;
      const ship = await send('bob', 'PATCH', `/api/orders/${id}/status`, {
        status: 'processing',
      });
      expect(ship.body).to.include({status: 403, code: 'admin-only'});
      const cancel = await send('bob', 'PATCH', `/api/orders/${id}/status`, {
        status: 'cancelled',
      });
      expect(cancel.status).to.equal(200);
      expect(cancel.body.data.order.status).to.equal('cancelled');
      // Carol's order, and one that does not exist: the same 404.
      const carols = await send(
        'bob',
        'PATCH',
        '/api/orders/order-004/status',
        {status: 'cancelled'},
      );
      const none = await send('bob', 'PATCH', '/api/orders/no-order/status', {
        status: 'cancelled',
      });
      expect([carols.status, none.status]).to.deep.equal([404, 404]);
    });

    it('makes two orders of the same Idempotency-Key from two users, one from one user twice', async () => {
      const key = {'Idempotency-Key': `shared-${randomUUID()}`};
      const post = (who: Who) =>
        gw(who, '/api/orders', {
          method: 'POST',
          headers: {'Content-Type': 'application/json', ...key},
          body: JSON.stringify({userId: 'user-002', items: [item]}),
        });
      const bobs = await post('bob');
      const alices = await post('alice');
      const bobsAgain = await post('bob');
      expect([bobs.status, alices.status, bobsAgain.status]).to.deep.equal([
        201, 201, 201,
      ]);
      const replayed = (r: typeof bobs) => r.headers.get('idempotent-replayed');
      expect([bobs, alices, bobsAgain].map(replayed)).to.deep.equal([
        null,
        null,
        'true',
      ]);
      expect(alices.body.data.order.id).not.to.equal(bobs.body.data.order.id);
      expect(bobsAgain.body.data.order.id).to.equal(bobs.body.data.order.id);
    });

    it('creates a profile once, under the uid, with the verified email of the token and the default role', async () => {
      const email = `dana-${mode}@example.com`;
      let dana = await signIn(stack, email, 'signUp', 'dana-password');
      const create = (body: unknown) =>
        call(`${stack.info.urls.gateway}/api/users`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Authorization: `Bearer ${dana.idToken}`,
          },
          body: JSON.stringify(body),
        });
      // Signed up, not yet proven to own the address: no profile.
      const unproven = await create({name: 'Dana'});
      expect(unproven.status).to.equal(403);
      expect(unproven.body.code).to.equal('email-not-verified');
      // Nor is an address taken from whoever owns it by signing up with it.
      const ceo = `ceo-${mode}@victim.example`;
      const mallory = await signIn(stack, ceo, 'signUp', 'mallory-pw');
      const squat = await call(`${stack.info.urls.gateway}/api/users`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${mallory.idToken}`,
        },
        body: JSON.stringify({name: 'The CEO'}),
      });
      expect(squat.status).to.equal(403);
      const real = await send('alice', 'POST', '/api/users', {
        id: `ceo-${mode}`,
        name: 'The CEO',
        email: ceo,
      });
      expect(real.status).to.equal(201);
      const verified = await call(
        `${stack.info.endUsers.identityToolkit}/v1/accounts:update`,
        {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Authorization: `Bearer ${stack.info.endUsers.adminToken}`,
          },
          body: JSON.stringify({localId: dana.localId, emailVerified: true}),
        },
      );
      expect(verified.status).to.equal(200);
      dana = await signIn(stack, email, 'signInWithPassword', 'dana-password');
      expect((await create({name: 'Dana', role: 'admin'})).status).to.equal(
        403,
      );
      expect(
        (await create({name: 'Dana', email: 'ceo@example.com'})).status,
      ).to.equal(403);
      expect((await create({name: 'Dana', id: 'user-003'})).status).to.equal(
        403,
      );
      const made = await create({name: 'Dana'});
      expect(made.status).to.equal(201);
      expect(made.body.data.user).to.include({
        id: dana.localId,
        name: 'Dana',
        email,
        role: 'viewer',
      });
      expect((await create({name: 'Dana again'})).body).to.include({
        status: 409,
        code: 'profile-exists',
      });
      // An admin may create anyone's, with any role.
      const byAdmin = await send('alice', 'POST', '/api/users', {
        id: `erin-${mode}`,
        name: 'Erin',
        email: `erin-${mode}@example.com`,
        role: 'developer',
      });
      expect(byAdmin.status).to.equal(201);
      expect(byAdmin.body.data.user).to.include({role: 'developer'});
      // And an admin claim in a body makes no one an admin.
      const own = await call(`${stack.info.urls.gateway}/api/users`, {
        headers: {Authorization: `Bearer ${dana.idToken}`},
      });
      expect(own.body).to.include({status: 403, code: 'admin-only'});
    });

    it('refuses the ids Firestore reserves with a 400 problem, at every hop, never a 5xx', async () => {
      const asAlice: [string, string, unknown?][] = [
        ['GET', '/api/orders/__x__'],
        ['PATCH', '/api/orders/__x__/status', {status: 'cancelled'}],
        ['GET', '/api/orders?cursor=__x__'],
        ['GET', '/api/orders?userId=__x__'],
        ['GET', '/api/users/__x__'],
        ['GET', '/api/users?cursor=__x__'],
        ['GET', '/api/user-orders/__x__'],
        ['GET', '/api/user-orders-direct/__x__'],
        ['POST', '/api/orders', {userId: '__x__', items: [item]}],
        ['POST', '/api/users', {id: '__x__', name: 'X', email: 'x@x.example'}],
      ];
      for (const [method, path, body] of asAlice) {
        const res =
          body === undefined
            ? await gw('alice', path, {method})
            : await send('alice', method, path, body);
        expect(res.status, `${method} ${path}`).to.equal(400);
        expect(res.body.status, `${method} ${path}`).to.equal(400);
      }
    });

    it('never reads a token from the query string', async () => {
      for (const name of ['access_token', 'token', 'id_token'])
        expect(
          (await gw('nobody', `/api/orders?${name}=${tokens.bob}`)).status,
          name,
        ).to.equal(401);
    });
  });
