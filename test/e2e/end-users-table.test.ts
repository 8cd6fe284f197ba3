/**
 * Who may see what, through the whole stack as `npm start` runs it: end
 * users sign in at the local Identity Platform's REST API (real HTTP, real
 * signed tokens), and every route of the gateway is tried by nobody, by a
 * user (Bob), and by an admin (Alice), in both modes.
 */
import {expect} from 'chai';
import type {Stack, StackMode} from '../../local/stack';
import type {Reply} from '../fixtures/call';
import {
  gatewayCalls,
  ids,
  item,
  startEndUserStack,
  userIds,
  type Who,
} from '../fixtures/end-users';

/** What one cell of the table expects: a status, and what must hold of the body. */
type Cell = [number, ((body: any) => boolean)?]; // eslint-disable-line @typescript-eslint/no-explicit-any

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

    // The table, row by row: Bob is user-002, Carol user-003, Alice the admin.
    const table: {
      route: string;
      send: (who: Who) => Promise<Reply>;
      cells: Record<Who, Cell>;
    }[] = [
      {
        route: 'GET /',
        send: who => gw(who, '/'),
        cells: {nobody: [200], bob: [200], alice: [200]},
      },
      {
        route: 'GET /api/users',
        send: who => gw(who, '/api/users'),
        cells: {
          nobody: [401],
          bob: [403, b => b.code === 'admin-only'],
          alice: [
            200,
            b =>
              JSON.stringify(ids(b.data.users)) ===
              JSON.stringify(['user-001', 'user-002', 'user-003']),
          ],
        },
      },
      ...['/api/users/', '/api/user-orders/', '/api/user-orders-direct/'].map(
        prefix => ({
          route: `GET ${prefix}{own id}`,
          send: (who: Who) => gw(who, `${prefix}user-002`),
          cells: {
            nobody: [401],
            bob: [200, b => b.data.user.id === 'user-002'],
            alice: [200, b => b.data.user.id === 'user-002'],
          } as Record<Who, Cell>,
        }),
      ),
      ...['/api/users/', '/api/user-orders/', '/api/user-orders-direct/'].map(
        prefix => ({
          route: `GET ${prefix}{another's id}`,
          send: (who: Who) => gw(who, `${prefix}user-003`),
          cells: {
            nobody: [401],
            bob: [404, b => b.code === 'user-not-found'],
            alice: [200, b => b.data.user.id === 'user-003'],
          } as Record<Who, Cell>,
        }),
      ),
      {
        route: 'GET /api/orders',
        send: who => gw(who, '/api/orders?limit=100'),
        cells: {
          nobody: [401],
          bob: [
            200,
            b =>
              b.data.orders.length > 0 &&
              userIds(b.data.orders).join() === 'user-002',
          ],
          alice: [200, b => userIds(b.data.orders).length === 3],
        },
      },
      {
        route: 'GET /api/orders/{own}',
        send: who => gw(who, '/api/orders/order-002'),
        cells: {
          nobody: [401],
          bob: [200, b => b.data.order.userId === 'user-002'],
          alice: [200, b => b.data.order.id === 'order-002'],
        },
      },
      {
        route: "GET /api/orders/{another's}",
        send: who => gw(who, '/api/orders/order-003'),
        cells: {
          nobody: [401],
          bob: [404, b => b.code === 'order-not-found'],
          alice: [200, b => b.data.order.userId === 'user-001'],
        },
      },
      {
        route: 'GET /api/orders?userId={another}&status=shipped',
        send: who => gw(who, '/api/orders?userId=user-003&status=shipped'),
        cells: {
          nobody: [401],
          bob: [200, b => b.data.orders.length === 0],
          alice: [200, b => ids(b.data.orders).join() === 'order-004'],
        },
      },
      {
        route: 'POST /api/orders (for themselves)',
        send: who => send(who, 'POST', '/api/orders', {items: [item]}),
        cells: {
          nobody: [401],
          bob: [201, b => b.data.order.userId === 'user-002'],
          alice: [201, b => b.data.order.userId === 'user-001'],
        },
      },
      {
        route: 'POST /api/orders (for another)',
        send: who =>
          send(who, 'POST', '/api/orders', {userId: 'user-003', items: [item]}),
        cells: {
          nobody: [401],
          bob: [403, b => b.code === 'admin-only'],
          alice: [201, b => b.data.order.userId === 'user-003'],
        },
      },
      {
        route: "PATCH /api/orders/{another's}/status",
        send: who =>
          send(who, 'PATCH', '/api/orders/order-004/status', {
            status: 'completed',
          }),
        cells: {
          nobody: [401],
          // Only cancelling is a user's, and only of their own.
          bob: [403, b => b.code === 'admin-only'],
          alice: [200, b => b.data.order.status === 'completed'],
        },
      },
      {
        route: 'GET /api/aggregate',
        send: who => gw(who, '/api/aggregate'),
        cells: {
          nobody: [401],
          bob: [403, b => b.code === 'admin-only'],
          alice: [200, b => !b.errors && b.data.stats.stats.totalOrders >= 4],
        },
      },
    ];
    for (const row of table)
      for (const who of ['nobody', 'bob', 'alice'] as Who[])
        it(`${row.route} as ${who}: ${row.cells[who][0]}`, async () => {
          const [status, holds] = row.cells[who];
          const res = await row.send(who);
          expect(res.status, JSON.stringify(res.body)).to.equal(status);
          if (status >= 400) {
            expect(res.headers.get('content-type')).to.match(
              /^application\/problem\+json/,
            );
            expect(res.body.status).to.equal(status);
          }
          if (status === 401)
            expect(res.headers.get('www-authenticate')).to.equal('Bearer');
          if (holds)
            expect(holds(res.body), JSON.stringify(res.body)).to.equal(true);
        });
  });
