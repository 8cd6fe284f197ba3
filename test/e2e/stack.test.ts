/**
 * The whole system as `npm start` runs it: three Functions Framework
 * processes, each with its own service account from the identity server,
 * calling each other over HTTP with real tokens, data in the emulator.
 */
import {expect} from 'chai';
import {readFileSync, rmSync} from 'node:fs';
import * as path from 'node:path';
import {claimsFor} from '../../local/token-signer';
import {ROOT, startStack, type Stack} from '../../local/stack';
import {uniqueProjectId} from '../fixtures/emulator';
import {runProcess} from '../fixtures/run-process';

interface Reply {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('the local stack, end to end', function () {
  this.timeout(60_000);
  let stack: Stack;
  const logRoot = path.join(ROOT, '.local', 'test-logs');
  const logs = path.join(logRoot, uniqueProjectId('e2e'));

  async function call(url: string, init: RequestInit = {}): Promise<Reply> {
    const res = await fetch(url, init);
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text ? JSON.parse(text) : undefined,
    };
  }
  const gw = (p: string, init?: RequestInit) =>
    call(`${stack.info.gateway}${p}`, init);
  const post = (
    p: string,
    body: unknown,
    headers: Record<string, string> = {},
  ) =>
    gw(p, {
      method: 'POST',
      headers: {'Content-Type': 'application/json', ...headers},
      body: JSON.stringify(body),
    });

  before(async () => {
    // Keep only the latest run's logs, for a look after a failure.
    rmSync(logRoot, {recursive: true, force: true});
    stack = await startStack({
      projectId: uniqueProjectId('e2e'),
      firestoreHost: process.env.FIRESTORE_EMULATOR_HOST,
      logs,
    });
  });
  after(() => stack?.stop());

  it('answers the health check', async () => {
    expect((await gw('/')).body).to.deep.equal({
      service: 'gateway',
      status: 'ok',
      calls: ['user', 'order'],
    });
  });

  it('lists the seed users and finds Alice through the user function', async () => {
    const list = await gw('/api/users');
    expect(list.body.data.users.map((u: {id: string}) => u.id)).to.deep.equal([
      'user-001',
      'user-002',
      'user-003',
    ]);
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
      res.body.data.orders.items.map((o: {id: string}) => o.id),
    ).to.deep.equal(['order-001', 'order-003']);
    expect(res.body.data.orders.items[1].total).to.equal(67.95);
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
    expect(again.status).to.equal(200);
    expect(again.body.data.order.id).to.equal(id);
    const bobs = await gw('/api/orders?userId=user-002');
    expect(bobs.body.data.orders.map((o: {id: string}) => o.id)).to.include(id);
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

  it('refuses direct calls to the internal functions without a token', async () => {
    for (const url of [
      `${stack.info.user}/users`,
      `${stack.info.order}/orders`,
    ]) {
      const res = await call(url);
      expect(res.status, url).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.match(/^Bearer/);
    }
  });

  it('lets only the allowed accounts call each internal function', async () => {
    const {issuer} = stack.info;
    const as = (who: 'gateway' | 'user' | 'order', audience: string) => ({
      headers: {
        Authorization: `Bearer ${stack.identity.signer.sign(claimsFor(issuer.url, stack.info.accounts[who], audience))}`,
      },
    });
    expect(
      (await call(`${stack.info.user}/users`, as('gateway', stack.info.user)))
        .status,
    ).to.equal(200);
    expect(
      (await call(`${stack.info.user}/users`, as('order', stack.info.user)))
        .status,
    ).to.equal(403);
    expect(
      (await call(`${stack.info.order}/orders`, as('user', stack.info.order)))
        .status,
    ).to.equal(200);
    // A gateway token for the user function is no good at the order function.
    expect(
      (await call(`${stack.info.order}/orders`, as('gateway', stack.info.user)))
        .status,
    ).to.equal(401);
  });

  it('reuses tokens: a handful issued however many requests were served', async () => {
    for (let i = 0; i < 20; i++) await gw('/api/user-orders/user-001');
    // One per caller and audience: gateway→user, gateway→order, user→order.
    expect(stack.identity.issued).to.deep.equal({
      gateway: 2,
      user: 1,
      order: 0,
    });
  });

  it('writes one JSON log line per request and never a token', async () => {
    const lines = readFileSync(path.join(logs, 'gateway.log'), 'utf8')
      .split('\n')
      .filter(l => l.startsWith('{'));
    const entries = lines.map(l => JSON.parse(l));
    const request = entries.find(
      e => e.httpRequest?.requestUrl === '/api/user-orders/user-001',
    );
    expect(request).to.include({severity: 'INFO', service: 'gateway'});
    expect(request.httpRequest).to.include.keys(
      'requestMethod',
      'status',
      'latency',
    );
    const userLog = readFileSync(path.join(logs, 'user.log'), 'utf8');
    expect(userLog).to.contain(`"caller":"${stack.info.accounts.gateway}"`);
    for (const name of ['gateway', 'user', 'order']) {
      expect(readFileSync(path.join(logs, `${name}.log`), 'utf8')).not.to.match(
        /eyJ[\w-]+\.eyJ|Bearer /,
      );
    }
  });

  it('passes test.sh, the deployment smoke test, run against this stack', async () => {
    const result = await runProcess(
      'bash',
      [path.join(ROOT, 'test.sh'), stack.info.gateway],
      {
        ...process.env,
        USER_URL: stack.info.user,
        ORDER_URL: stack.info.order,
        FIRESTORE_EMULATOR_HOST: stack.info.firestore,
        PROJECT_ID: stack.info.projectId,
      },
    );
    expect(result.status, result.output).to.equal(0);
    expect(result.output).to.match(/^12 passed, 0 failed$/m);
    expect(result.output).to.contain('cleaned up order');
  });

  it('degrades cleanly when the order function is down', async () => {
    await stack.stopFunction('order');
    const orders = await gw('/api/orders');
    expect(orders.status).to.equal(503);
    expect(orders.body.detail).to.equal('The order service is unavailable.');
    const aggregate = await gw('/api/aggregate');
    expect(aggregate.status).to.equal(200);
    expect(aggregate.body.data).to.have.keys('users');
    expect(
      aggregate.body.errors.map((e: {part: string}) => e.part),
    ).to.deep.equal(['orders', 'stats']);
    expect((await gw('/api/users/user-001')).status).to.equal(200);
    expect((await gw('/api/user-orders/user-001')).status).to.equal(503);
  });
});
