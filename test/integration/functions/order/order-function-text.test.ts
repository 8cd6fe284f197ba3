/**
 * The order function over HTTP, built as in production: text that is not
 * well-formed Unicode refused with 400 naming the field, wherever it enters
 * (body, path, query, Idempotency-Key), and nothing written.
 */
import {expect} from 'chai';
import type {Server} from 'node:http';
import request from 'supertest';
import {
  ENCODED_SURROGATE,
  LONE_SURROGATE,
  SURROGATE_HEADER_BYTES,
} from '../../../fixtures/ill-formed';
import {
  newOrder,
  startOrderFunction,
  type OrderFunction,
} from '../../../fixtures/order-function';

describe('order function (HTTP): text that is not well-formed Unicode', () => {
  let kit: OrderFunction['kit'];
  let server: Server;
  let auth: OrderFunction['auth'];

  before(async () => {
    ({kit, server, auth} = await startOrderFunction());
  });
  after(() => kit.identity.stop());

  const api = () => request(server);
  const item = newOrder.items[0];
  const userId = 'user-text';

  const cases: {name: string; send: () => request.Test; field: string}[] = [
    {
      name: "an item's product",
      send: () =>
        api()
          .post('/orders')
          .send({userId, items: [item, {...item, product: LONE_SURROGATE}]}),
      field: 'items[1].product',
    },
    {
      name: 'a product that only starts well',
      send: () =>
        api()
          .post('/orders')
          .send({
            userId,
            items: [{...item, product: `Cable${LONE_SURROGATE}`}],
          }),
      field: 'items[0].product',
    },
    {
      name: "the order's user",
      send: () =>
        api()
          .post('/orders')
          .send({...newOrder, userId: LONE_SURROGATE}),
      field: 'userId',
    },
    {
      name: "a key of the order's body",
      send: () =>
        api()
          .post('/orders')
          .send({userId, items: [item], [LONE_SURROGATE]: 1}),
      field: 'body',
    },
    {
      name: 'the Idempotency-Key',
      send: () =>
        api()
          .post('/orders')
          .set('Idempotency-Key', SURROGATE_HEADER_BYTES)
          .send({userId, items: [item]}),
      field: 'idempotency-key',
    },
    {
      name: 'a status change',
      send: () =>
        api().patch('/orders/order-001/status').send({status: LONE_SURROGATE}),
      field: 'status',
    },
    // Express decodes the path before any route does, and refuses the
    // request: no route, so the path is what is named.
    {
      name: 'an order id in the path',
      send: () => api().get(`/orders/${ENCODED_SURROGATE}`),
      field: 'path',
    },
    {
      name: 'a user id in the path',
      send: () => api().get(`/orders/user/${ENCODED_SURROGATE}`),
      field: 'path',
    },
    // The query's values decode to U+FFFD, which no id or status is.
    ...[
      ['cursor', 'cursor'],
      ['userId', 'userId'],
      ['status', 'status[0]'],
    ].map(([param, field]) => ({
      name: `the query's ${param}`,
      send: () => api().get(`/orders?${param}=${ENCODED_SURROGATE}`),
      field,
    })),
  ];
  cases.forEach(c =>
    it(`answers 400 naming ${c.field} to ${c.name}`, async () => {
      const res = await c.send().set(auth);
      expect(res.status).to.equal(400);
      expect(res.type).to.equal('application/problem+json');
      expect(res.body.code).to.equal('invalid-request');
      expect(res.body.errors.map((e: {field: string}) => e.field)).to.include(
        c.field,
      );
    }),
  );

  it('writes nothing of what it refused', async () => {
    const list = await api().get(`/orders?userId=${userId}`).set(auth);
    expect(list.status).to.equal(200);
    expect(list.body.orders).to.deep.equal([]);
  });
});
