/**
 * Text that is not well-formed Unicode, sent to the gateway of the whole
 * stack: refused with 400 naming the field wherever it enters (body, path,
 * query, Idempotency-Key), and nothing written.
 */
import {expect} from 'chai';
import type {Stack} from '../../local/stack';
import {call, type Reply} from '../fixtures/call';
import {
  ENCODED_SURROGATE,
  ILL_FORMED_PROFILES,
  LONE_SURROGATE,
  SURROGATE_HEADER_BYTES,
} from '../fixtures/ill-formed';
import {asEndUser, gatewayCalls, sharedStack} from '../fixtures/stack';

describe('the local stack, end to end: text that is not well-formed Unicode', function () {
  this.timeout(60_000);
  const started = sharedStack('cloud');
  let stack: Stack;
  const {gw, post} = gatewayCalls(() => stack);
  const alicesOrders = async () =>
    (await gw('/api/orders?userId=user-001&limit=100')).body.data.orders.length;
  let hadOrders: number;
  before(async () => {
    ({stack} = started());
    hadOrders = await alicesOrders();
  });

  const item = {product: 'Cable', quantity: 1, price: 4.99};
  /** Carol's own profile, as a user who is not an admin sends it. */
  const asCarol = (body: unknown) =>
    call(
      `${stack.info.urls.gateway}/api/users`,
      asEndUser(
        stack,
        {
          method: 'POST',
          headers: {'Content-Type': 'application/json'},
          body: JSON.stringify(body),
        },
        'carol@example.com',
      ),
    );

  const cases: {name: string; send: () => Promise<Reply>; field: string}[] = [
    {
      name: "an order item's product",
      send: () =>
        post('/api/orders', {
          items: [item, {...item, product: LONE_SURROGATE}],
        }),
      field: 'items[1].product',
    },
    {
      name: "an order's user",
      send: () => post('/api/orders', {userId: LONE_SURROGATE, items: [item]}),
      field: 'userId',
    },
    {
      name: "a key of an order's body",
      send: () => post('/api/orders', {items: [item], [LONE_SURROGATE]: 1}),
      field: 'body',
    },
    {
      name: "an order's Idempotency-Key",
      send: () =>
        post(
          '/api/orders',
          {items: [item]},
          {'Idempotency-Key': SURROGATE_HEADER_BYTES},
        ),
      field: 'idempotency-key',
    },
    ...ILL_FORMED_PROFILES.map(([field, body]) => ({
      name: `an admin's new profile's ${field}`,
      send: () => post('/api/users', body),
      field,
    })),
    {
      name: "a user's own profile's name",
      send: () => asCarol({name: `Carol ${LONE_SURROGATE}`}),
      field: 'name',
    },
    {
      name: 'a status change',
      send: () =>
        gw('/api/orders/order-001/status', {
          method: 'PATCH',
          headers: {'Content-Type': 'application/json'},
          body: JSON.stringify({status: LONE_SURROGATE}),
        }),
      field: 'status',
    },
    ...[
      '/api/users/',
      '/api/orders/',
      '/api/user-orders/',
      '/api/user-orders-direct/',
    ].map(route => ({
      name: `an id in the path of ${route}…`,
      send: () => gw(`${route}${ENCODED_SURROGATE}`),
      // Express decodes the path before any route does: the path is named.
      field: 'path',
    })),
    ...[
      ['/api/orders', 'cursor', 'cursor'],
      ['/api/orders', 'userId', 'userId'],
      ['/api/orders', 'status', 'status[0]'],
      ['/api/users', 'cursor', 'cursor'],
    ].map(([route, param, field]) => ({
      name: `the query's ${param} of ${route}`,
      send: () => gw(`${route}?${param}=${ENCODED_SURROGATE}`),
      field,
    })),
  ];
  cases.forEach(c =>
    it(`answers 400 naming ${c.field} to ${c.name}`, async () => {
      const res = await c.send();
      expect(res.status).to.equal(400);
      expect(res.headers.get('content-type')).to.match(
        /^application\/problem\+json/,
      );
      expect(res.body.code).to.equal('invalid-request');
      expect(res.body.errors.map((e: {field: string}) => e.field)).to.include(
        c.field,
      );
    }),
  );

  it('wrote nothing of what it refused', async () => {
    expect(await alicesOrders()).to.equal(hadOrders);
    expect((await gw('/api/users/user-text')).status).to.equal(404);
    expect((await gw('/api/users/user-003')).body.data.user.name).to.equal(
      'Carol Williams',
    );
  });
});
