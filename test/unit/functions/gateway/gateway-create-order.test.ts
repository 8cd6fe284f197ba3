/**
 * The gateway's order creation over HTTP with stand-in callers: the user
 * checked first, the Idempotency-Key passed on or made up, and a bad order
 * refused before any call.
 */
import {expect} from 'chai';
import {gateway} from '../../../fixtures/gateway';

describe('gateway function (HTTP)', () => {
  describe('POST /api/orders', () => {
    const body = {
      userId: 'user-001',
      items: [{product: 'Cable', quantity: 3, price: 4.99}],
    };

    it("checks the user, then creates the order with the client's Idempotency-Key", async () => {
      const g = gateway();
      const res = await g
        .api()
        .post('/api/orders')
        .set('Idempotency-Key', 'client-key')
        .send(body);
      expect(res.status).to.equal(201);
      expect(res.body).to.include({source: 'gateway', target: 'order'});
      expect(g.users[0].call.path).to.deep.equal(['users', 'user-001']);
      expect(g.orders[0].call).to.deep.include({
        method: 'POST',
        path: ['orders'],
        body,
        headers: {'idempotency-key': 'client-key'},
      });
      expect(res.headers['idempotency-key']).to.equal('client-key');
    });

    it('makes up a key when the client sent none, so its own retries are safe', async () => {
      const g = gateway();
      const res = await g.api().post('/api/orders').send(body);
      expect(g.orders[0].call.headers!['idempotency-key']).to.match(
        /^[0-9a-f-]{36}$/,
      );
      expect(res.headers['idempotency-key']).to.equal(
        g.orders[0].call.headers!['idempotency-key'],
      );
    });

    it('answers 422 for an unknown user and creates nothing', async () => {
      const g = gateway();
      const res = await g
        .api()
        .post('/api/orders')
        .send({...body, userId: 'user-999'});
      expect(res.body).to.include({status: 422, code: 'unknown-user'});
      expect(res.body.errors).to.deep.equal([
        {field: 'userId', message: 'no user user-999'},
      ]);
      expect(g.orders).to.have.length(0);
    });

    const bad: {name: string; body: unknown; field: string}[] = [
      {name: 'no items', body: {userId: 'user-001', items: []}, field: 'items'},
      {
        name: 'a price with three decimals',
        body: {
          userId: 'user-001',
          items: [{product: 'x', quantity: 1, price: 1.234}],
        },
        field: 'items[0].price',
      },
      {name: 'a missing user', body: {items: body.items}, field: 'userId'},
    ];
    bad.forEach(c =>
      it(`answers 400 to ${c.name} without calling anyone`, async () => {
        const g = gateway();
        const res = await g
          .api()
          .post('/api/orders')
          .send(c.body as object);
        expect(res.status).to.equal(400);
        expect(res.body.errors.map((e: {field: string}) => e.field)).to.include(
          c.field,
        );
        expect(g.users.length + g.orders.length).to.equal(0);
      }),
    );
  });
});
