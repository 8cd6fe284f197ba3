/**
 * The user function over HTTP, built as in production, answering bad input
 * and an order function that is down with a problem document.
 */
import {expect} from 'chai';
import type {Server} from 'node:http';
import request from 'supertest';
import {
  startUserFunction,
  type UserFunction,
} from '../../../fixtures/user-function';

describe('user function (HTTP)', () => {
  let orderFn: UserFunction['orderFn'];
  let server: Server;
  let auth: UserFunction['auth'];
  let stop: UserFunction['stop'];

  before(async () => {
    ({orderFn, server, auth, stop} = await startUserFunction(() => []));
  });
  after(() => stop());

  const api = () => request(server);

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
