/**
 * The order function over HTTP: who may call it, checked with real tokens
 * against a real identity server before any routing.
 */
import {expect} from 'chai';
import type {Server} from 'node:http';
import request from 'supertest';
import {
  ORDER_SELF as SELF,
  startOrderFunction,
  type OrderFunction,
} from '../../../fixtures/order-function';

describe('order function (HTTP)', () => {
  let kit: OrderFunction['kit'];
  let server: Server;

  before(async () => {
    ({kit, server} = await startOrderFunction());
  });
  after(() => kit.identity.stop());

  const api = () => request(server);

  describe('authentication', () => {
    const cases: {
      name: string;
      header: () => string | undefined;
      status: number;
    }[] = [
      {name: 'no token', header: () => undefined, status: 401},
      {
        name: 'a token for another audience',
        header: () => `Bearer ${kit.token('gateway', 'http://user.test')}`,
        status: 401,
      },
      {
        name: 'an expired token',
        header: () => `Bearer ${kit.token('gateway', SELF, {iat: 1, exp: 2})}`,
        status: 401,
      },
      {
        name: 'a stripped signature',
        header: () =>
          `Bearer ${kit.token('gateway', SELF).replace(/\.[^.]+$/, '.SIGNATURE_REMOVED_BY_GOOGLE')}`,
        status: 401,
      },
      {
        name: "the order function's own account (not on its list)",
        header: () => `Bearer ${kit.token('order', SELF)}`,
        status: 403,
      },
      {
        name: "the user function's account",
        header: () => `Bearer ${kit.token('user', SELF)}`,
        status: 200,
      },
    ];
    cases.forEach(c =>
      it(`answers ${c.status} to ${c.name}`, async () => {
        const req = api()
          .get('/orders')
          .set(
            'Authorization',
            `Bearer ${kit.endUser('admin-1', {admin: true})}`,
          );
        const header = c.header();
        if (header) void req.set('X-Serverless-Authorization', header);
        const res = await req;
        expect(res.status).to.equal(c.status);
        if (c.status === 401) {
          expect(res.headers['www-authenticate']).to.match(/^Bearer/);
          expect(res.headers['content-type']).to.match(
            /^application\/problem\+json/,
          );
        }
      }),
    );

    it('checks the token before routing, so unknown paths are 401 too', async () => {
      expect((await api().get('/no/such/route')).status).to.equal(401);
    });
  });
});
