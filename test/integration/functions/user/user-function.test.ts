/**
 * The user function over HTTP, built as in production: real tokens both
 * ways (it is called with the gateway's, and calls the order function with
 * its own), users in the emulator, and a stand-in order function that
 * records what it is asked.
 */
import {expect} from 'chai';
import type {Server} from 'node:http';
import request from 'supertest';
import {TokenVerifier} from '../../../../functions/common/auth/verifier';
import {parseConfig} from '../../../../functions/common/config';
import {createFirestore} from '../../../../functions/common/firestore';
import {create as createUser} from '../../../../functions/user/index';
import {loadSeed} from '../../../../local/seed';
import {
  callHeaders,
  frameworkServer,
  testIdentity,
} from '../../../fixtures/functions';
import {json, recordingServer} from '../../../fixtures/http-server';

const SELF = 'http://user.test';
/** An order as the order function's contract has it. */
const order = {
  id: 'o1',
  userId: 'user-001',
  items: [{product: 'Cable', quantity: 1, price: 4.99, subtotal: 4.99}],
  total: 4.99,
  status: 'pending',
  createdAt: '2024-02-01T10:00:00.000Z',
  updatedAt: '2024-02-01T10:00:00.000Z',
};

describe('user function (HTTP)', () => {
  let kit: Awaited<ReturnType<typeof testIdentity>>;
  let orderFn: Awaited<ReturnType<typeof recordingServer>>;
  let server: Server;
  /** The gateway calling for an admin: most tests are about users, not who may see them. */
  let auth: Record<string, string>;
  let admin: string;
  let openOrders: unknown[] = [];
  // Taken in before(), not at load: the emulator's variables are set between.
  let savedMetadataHost: string | undefined;

  before(async () => {
    kit = await testIdentity();
    orderFn = await recordingServer((req, res) =>
      json(res, 200, {
        service: 'order',
        orders: req.url.startsWith('/orders?') ? openOrders : [order],
      }),
    );
    const db = createFirestore(kit.projectId, 'user-data');
    await loadSeed({users: db});
    await db.terminate();
    // The user function's own identity for its calls to the order function.
    savedMetadataHost = process.env.GCE_METADATA_HOST;
    process.env.GCE_METADATA_HOST = kit.info.hosts.user;
    server = frameworkServer(
      createUser(
        parseConfig('user', {
          ...kit.inboundEnv(SELF, ['gateway']),
          CALLS: 'order',
          FIRESTORE_DATABASE: 'user-data',
          ORDER_URL: orderFn.url,
        }),
      ),
    );
    admin = kit.endUser('admin-1', {admin: true});
    auth = callHeaders(kit.token('gateway', SELF), admin);
  });
  after(async () => {
    if (savedMetadataHost === undefined) delete process.env.GCE_METADATA_HOST;
    else process.env.GCE_METADATA_HOST = savedMetadataHost;
    await orderFn.close();
    await kit.identity.stop();
  });

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

  describe('bad input', () => {
    const cases: {
      name: string;
      send: () => request.Test;
      status: number;
      /** The problem's code, when not invalid-request. */
      code?: string;
      fields?: string[];
    }[] = [
      {
        // An admin's: a profile of someone else needs an email; the role has a default.
        name: 'a user without fields',
        send: () => api().post('/users').send({}),
        status: 400,
        fields: ['name', 'email'],
      },
      {
        name: 'an unknown role',
        send: () =>
          api()
            .post('/users')
            .send({name: 'X', email: 'x@example.com', role: 'root'}),
        status: 400,
        fields: ['role'],
      },
      {
        name: 'a bad email',
        send: () =>
          api()
            .post('/users')
            .send({name: 'X', email: 'not-an-email', role: 'viewer'}),
        status: 400,
        fields: ['email'],
      },
      {
        name: 'malformed JSON',
        send: () =>
          api()
            .post('/users')
            .set('Content-Type', 'application/json')
            .send('{'),
        status: 400,
        code: 'invalid-json',
      },
      {
        name: 'a bad id',
        send: () => api().get('/users/a%20b'),
        status: 400,
        fields: ['id'],
      },
      {
        name: 'an id Firestore reserves',
        send: () => api().get('/users/__x__'),
        status: 400,
        fields: ['id'],
      },
      {
        name: 'the orders of an id Firestore reserves',
        send: () => api().get('/users/__x__/orders'),
        status: 400,
        fields: ['id'],
      },
      {
        name: 'a cursor Firestore reserves',
        send: () => api().get('/users?cursor=__name__'),
        status: 400,
        fields: ['cursor'],
      },
      {
        name: 'a bad page size',
        send: () => api().get('/users?limit=abc'),
        status: 400,
        fields: ['limit'],
      },
    ];
    cases.forEach(c =>
      it(`answers ${c.status} to ${c.name}`, async () => {
        const res = await c.send().set(auth);
        expect(res.status).to.equal(c.status);
        expect(res.headers['content-type']).to.match(
          /^application\/problem\+json/,
        );
        expect(res.body.code).to.equal(c.code ?? 'invalid-request');
        if (c.fields)
          expect(
            res.body.errors.map((e: {field: string}) => e.field),
          ).to.include.members(c.fields);
      }),
    );
  });

  it('answers 503 on the mesh route when the order function is down', async () => {
    await orderFn.close();
    const res = await api().get('/users/user-001/orders').set(auth);
    expect(res.status).to.equal(503);
    expect(res.body.code).to.equal('service-unavailable');
    expect(res.text).not.to.contain('127.0.0.1');
  });
});
