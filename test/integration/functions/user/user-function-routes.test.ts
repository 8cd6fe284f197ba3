/**
 * The user function over HTTP, built as in production: real tokens both
 * ways (it is called with the gateway's, and calls the order function with
 * its own), users in the emulator, and a stand-in order function that
 * records what it is asked. Its routes, and who may call them.
 */
import {expect} from 'chai';
import type {Server} from 'node:http';
import request from 'supertest';
import {TokenVerifier} from '../../../../functions/common/identity/verifier';
import {createFirestore} from '../../../../functions/common/storage/firestore';
import {callHeaders} from '../../../fixtures/functions';
import {
  order,
  startUserFunction,
  USER_SELF as SELF,
  type UserFunction,
} from '../../../fixtures/user-function';

describe('user function (HTTP)', () => {
  let kit: UserFunction['kit'];
  let orderFn: UserFunction['orderFn'];
  let server: Server;
  let auth: UserFunction['auth'];
  let admin: string;
  let openOrders: unknown[] = [];
  let stop: UserFunction['stop'];

  before(async () => {
    ({kit, orderFn, server, auth, admin, stop} = await startUserFunction(
      () => openOrders,
    ));
  });
  after(() => stop());

  const api = () => request(server);

  it('lists the seed users', async () => {
    const res = await api().get('/users').set(auth);
    expect(res.status).to.equal(200);
    expect(res.body.users.map((u: {id: string}) => u.id)).to.deep.equal([
      'user-001',
      'user-002',
      'user-003',
    ]);
  });

  it('finds a user and answers 404 for an unknown one', async () => {
    expect((await api().get('/users/user-001').set(auth)).body.user).to.include(
      {name: 'Alice Johnson', role: 'admin'},
    );
    const missing = await api().get('/users/user-999').set(auth);
    expect(missing.status).to.equal(404);
    expect(missing.body.code).to.equal('user-not-found');
  });

  it('answers a stored profile of another shape with a bare 500 problem, never the document', async () => {
    const db = createFirestore(kit.projectId, 'user-data');
    const bad = db.collection('users').doc('user-bad');
    await bad.set({name: 7, role: 'root'});
    try {
      const res = await api().get('/users/user-bad').set(auth);
      expect(res.status).to.equal(500);
      expect(res.type).to.equal('application/problem+json');
      expect(res.body.code).to.equal('internal');
      expect(res.text).not.to.contain('root').and.not.to.contain('shape');
    } finally {
      await bad.delete();
      await db.terminate();
    }
  });

  it("serves the mesh route by calling the order function with its own identity, passing the end user's token on", async () => {
    const before = orderFn.requests.length;
    const res = await api().get('/users/user-001/orders').set(auth);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.include({mesh_path: ['user', 'order']});
    expect(res.body.orders).to.deep.equal({count: 1, orders: [order]});
    const call = orderFn.requests[before];
    expect(call.url).to.equal('/orders/user/user-001');
    const verifier = new TokenVerifier({
      mode: 'verify',
      audience: orderFn.url,
      allowedCallers: [kit.accounts.user],
      issuer: kit.info.issuer,
      certsUrl: kit.info.certsUrl,
    });
    expect(
      await verifier.authenticate(
        call.headers['x-serverless-authorization'] as string,
      ),
    ).to.equal(kit.accounts.user);
    expect(call.headers.authorization).to.equal(`Bearer ${admin}`);
  });

  it('creates a user and refuses a duplicate email with 409', async () => {
    const body = {
      name: 'Dana Lee',
      email: 'dana@example.com',
      role: 'developer',
    };
    const created = await api().post('/users').set(auth).send(body);
    expect(created.status).to.equal(201);
    expect(created.body.user).to.include(body);
    const dup = await api()
      .post('/users')
      .set(auth)
      .send({...body, email: 'DANA@example.com'});
    expect(dup.body).to.include({status: 409, code: 'email-taken'});
  });

  it('refuses to delete a user with open orders, asking the order function which are open', async () => {
    openOrders = [order];
    const before = orderFn.requests.length;
    const res = await api().delete('/users/user-001').set(auth);
    expect(res.body).to.include({status: 409, code: 'user-has-open-orders'});
    const url = new URL(orderFn.requests[before].url, 'http://x');
    expect(Object.fromEntries(url.searchParams)).to.deep.equal({
      userId: 'user-001',
      status: 'pending,processing,shipped',
      limit: '1',
    });
    expect((await api().get('/users/user-001').set(auth)).status).to.equal(200);
  });

  it('deletes a user without open orders', async () => {
    openOrders = [];
    const created = await api()
      .post('/users')
      .set(auth)
      .send({name: 'Eve', email: 'eve@example.com', role: 'viewer'});
    expect(
      (await api().delete(`/users/${created.body.user.id}`).set(auth)).status,
    ).to.equal(204);
    expect(
      (await api().get(`/users/${created.body.user.id}`).set(auth)).status,
    ).to.equal(404);
  });

  it('refuses callers other than the gateway', async () => {
    expect(
      (
        await api()
          .get('/users')
          .set(callHeaders(kit.token('order', SELF), admin))
      ).status,
    ).to.equal(403);
    expect((await api().get('/users')).status).to.equal(401);
  });

  it('takes the token from X-Serverless-Authorization before Authorization, as Cloud Run does', async () => {
    const gateway = `Bearer ${kit.token('gateway', SELF)}`;
    const order = `Bearer ${kit.token('order', SELF)}`;
    expect(
      (
        await api()
          .get('/users')
          .set('X-Serverless-Authorization', gateway)
          .set('Authorization', `Bearer ${admin}`)
      ).status,
    ).to.equal(200);
    expect(
      (
        await api()
          .get('/users')
          .set('X-Serverless-Authorization', order)
          .set('Authorization', gateway)
      ).status,
    ).to.equal(403);
  });
});
