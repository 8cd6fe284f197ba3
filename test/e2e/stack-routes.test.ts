/**
 * Every route of the stack across its real hops, in both modes: the health
 * check, users, the mesh and direct routes, orders created once per
 * Idempotency-Key, bad input, the aggregate; and the tokens the functions
 * fetched for all that, a handful.
 */
import {expect} from 'chai';
import type {Stack} from '../../local/stack';
import type {Reply} from '../fixtures/call';
import {gatewayCalls, MODES, sharedStack} from '../fixtures/stack';

for (const mode of MODES)
  describe(`the local stack in ${mode} mode, end to end: its routes`, function () {
    this.timeout(60_000);
    const started = sharedStack(mode);
    let stack: Stack;
    before(() => ({stack} = started()));
    const {gw, post} = gatewayCalls(() => stack);

    it('answers the health check', async () => {
      expect((await gw('/')).body).to.deep.equal({
        service: 'gateway',
        status: 'ok',
        calls: ['user', 'order'],
      });
    });

    it('lists the seed users and finds Alice through the user function', async () => {
      const list = await gw('/api/users');
      expect(list.body.data.users.map((u: {id: string}) => u.id)).to.deep.equal(
        ['user-001', 'user-002', 'user-003'],
      );
      const alice = await gw('/api/users/user-001');
      expect(alice.body).to.deep.include({
        source: 'gateway',
        target: 'user',
        flow: 'gateway → user',
      });
      expect(alice.body.data.user).to.include({
        name: 'Alice Johnson',
        email: 'alice@example.com',
        role: 'admin',
      });
    });

    it('answers 404, not 500, for an unknown user', async () => {
      const res = await gw('/api/users/unknown');
      expect(res.status).to.equal(404);
      expect(res.headers.get('content-type')).to.match(
        /^application\/problem\+json/,
      );
      expect(JSON.stringify(res.body)).not.to.contain('127.0.0.1');
    });

    it('never lets a path parameter reach another internal route', async () => {
      for (const p of [
        '/api/users/..%2Forders',
        '/api/users/user-001%2Forders',
        '/api/user-orders/..%2F..%2Fstats',
      ]) {
        expect((await gw(p)).status, p).to.equal(400);
      }
    });

    it("serves the mesh route: gateway → user → order, with Alice's two orders", async () => {
      const res = await gw('/api/user-orders/user-001');
      expect(res.status).to.equal(200);
      expect(res.body.mesh_path).to.deep.equal(['gateway', 'user', 'order']);
      expect(res.body.workflow).to.equal('user-orders-mesh');
      expect(res.body.data.user.name).to.equal('Alice Johnson');
      expect(
        res.body.data.orders.orders.map((o: {id: string}) => o.id),
      ).to.deep.equal(['order-001', 'order-003']);
      expect(res.body.data.orders.orders[1].total).to.equal(67.95);
    });

    it('serves the direct route: gateway → user and gateway → order', async () => {
      const res = await gw('/api/user-orders-direct/user-001');
      expect(res.body.workflow).to.equal('user-orders-direct');
      expect(res.body.data.user.id).to.equal('user-001');
      expect(res.body.data.orders.count).to.equal(2);
    });

    it('creates an order through two hops, exactly once per Idempotency-Key, and shows it', async () => {
      const order = {
        userId: 'user-002',
        items: [
          {product: 'Cable', quantity: 3, price: 15.99},
          {product: 'Plug', quantity: 2, price: 9.99},
        ],
      };
      const created = await post('/api/orders', order, {
        'Idempotency-Key': 'e2e-1',
      });
      expect(created.status).to.equal(201);
      const id = created.body.data.order.id;
      expect(created.body.data.order).to.include({
        total: 67.95,
        status: 'pending',
      });
      const again = await post('/api/orders', order, {
        'Idempotency-Key': 'e2e-1',
      });
      expect(again.status).to.equal(201);
      expect(again.headers.get('idempotent-replayed')).to.equal('true');
      expect(again.body.data.order).to.deep.equal(created.body.data.order);
      const bobs = await gw('/api/orders?userId=user-002');
      expect(bobs.body.data.orders.map((o: {id: string}) => o.id)).to.include(
        id,
      );
      expect(
        bobs.body.data.orders.filter((o: {id: string}) => o.id === id),
      ).to.have.length(1);
    });

    it('refuses an order for a user that does not exist', async () => {
      const res = await post('/api/orders', {
        userId: 'user-999',
        items: [{product: 'x', quantity: 1, price: 1}],
      });
      expect(res.status).to.equal(422);
    });

    it('answers bad input with a 4xx problem document', async () => {
      const cases: [string, Promise<Reply>, number][] = [
        [
          'bad JSON',
          gw('/api/orders', {
            method: 'POST',
            headers: {'Content-Type': 'application/json'},
            body: '{',
          }),
          400,
        ],
        [
          'a text body',
          gw('/api/orders', {
            method: 'POST',
            headers: {'Content-Type': 'text/plain'},
            body: 'hi',
          }),
          415,
        ],
        ['a bad filter', gw('/api/orders?status=lost'), 400],
        [
          'a float quantity',
          post('/api/orders', {
            userId: 'user-001',
            items: [{product: 'x', quantity: 1.5, price: 1}],
          }),
          400,
        ],
      ];
      for (const [name, reply, status] of cases) {
        const res = await reply;
        expect(res.status, name).to.equal(status);
        expect(res.headers.get('content-type'), name).to.match(
          /^application\/problem\+json/,
        );
      }
    });

    it('aggregates users, orders and stats', async () => {
      const res = await gw('/api/aggregate');
      expect(res.status).to.equal(200);
      expect(res.body.data).to.have.keys('users', 'orders', 'stats');
      expect(res.body.data.stats.stats.totalOrders).to.be.at.least(4);
      expect(res.body).not.to.have.property('errors');
    });

    // Last in this file: the routes above have made every call the
    // topology has, so the count holds whatever other files did before.
    it('reuses tokens: a handful issued however many requests were served', async () => {
      for (let i = 0; i < 20; i++) await gw('/api/user-orders/user-001');
      // One per caller and audience: gateway→user, gateway→order, user→order.
      expect(stack.identity.issued).to.deep.equal({
        gateway: 2,
        user: 1,
        order: 0,
      });
    });
  });
