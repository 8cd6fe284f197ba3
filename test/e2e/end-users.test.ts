/**
 * Who may see what, through the whole stack as `npm start` runs it: end
 * users sign in at the local Identity Platform's REST API (real HTTP, real
 * signed tokens), and every route of the gateway is tried by nobody, by a
 * user (Bob), and by an admin (Alice), in both modes. Then the internal
 * functions are called the way a confused or compromised caller would call
 * them (the gateway's own service token, someone else's end-user token or
 * none), and the original demo's open API is checked with END_USER_AUTH=off.
 */
import {expect} from 'chai';
import {randomUUID} from 'node:crypto';
import {startStack, type Stack, type StackMode} from '../../local/stack';
import {claimsFor} from '../../local/token-signer';
import {viaConnector} from '../fixtures/connector';
import {uniqueProjectId} from '../fixtures/emulator';
import {call, type Reply} from '../fixtures/call';

/** Signs in through the Identity Toolkit REST API, as a client app does. */
async function signIn(
  stack: Stack,
  email: string,
  endpoint: 'signInWithPassword' | 'signUp' = 'signInWithPassword',
  password?: string,
): Promise<{idToken: string; localId: string}> {
  const {endUsers} = stack.info;
  const account = endUsers.accounts.find(a => a.email === email);
  const res = await call(
    `${endUsers.identityToolkit}/v1/accounts:${endpoint}?key=${endUsers.apiKey}`,
    {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({
        email,
        password: password ?? account?.password,
        returnSecureToken: true,
      }),
    },
  );
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  return res.body;
}

type Who = 'nobody' | 'bob' | 'alice';
/** What one cell of the table expects: a status, and what must hold of the body. */
type Cell = [number, ((body: any) => boolean)?]; // eslint-disable-line @typescript-eslint/no-explicit-any

const ids = (list: {id: string}[]) => list.map(x => x.id).sort();
const userIds = (orders: {userId: string}[]) => [
  ...new Set(orders.map(o => o.userId)),
];

for (const mode of ['cloud', 'verify'] as StackMode[])
  describe(`end users in ${mode} mode: the table of who may see what`, function () {
    this.timeout(60_000);
    let stack: Stack;
    const tokens: Partial<Record<Who, string>> = {};

    before(async () => {
      stack = await startStack({
        mode,
        projectId: uniqueProjectId('users'),
        firestoreHost: process.env.FIRESTORE_EMULATOR_HOST,
      });
      tokens.bob = (await signIn(stack, 'bob@example.com')).idToken;
      tokens.alice = (await signIn(stack, 'alice@example.com')).idToken;
    });
    after(() => stack?.stop());

    const as = (who: Who, headers: Record<string, string> = {}) => ({
      ...headers,
      ...(who === 'nobody' ? {} : {Authorization: `Bearer ${tokens[who]}`}),
    });
    const gw = (who: Who, path: string, init: RequestInit = {}) =>
      call(`${stack.info.urls.gateway}${path}`, {
        ...init,
        headers: as(who, init.headers as Record<string, string>),
      });
    const send = (who: Who, method: string, path: string, body: unknown) =>
      gw(who, path, {
        method,
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify(body),
      });
    const item = {product: 'Cable', quantity: 1, price: 2.5};

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

    it("answers another user's id exactly as a missing one", async () => {
      for (const prefix of [
        '/api/users/',
        '/api/user-orders/',
        '/api/user-orders-direct/',
      ]) {
        const [other, missing] = await Promise.all([
          gw('bob', `${prefix}user-003`),
          gw('bob', `${prefix}user-999`),
        ]);
        const shape = (r: Reply, id: string) => ({
          status: r.status,
          type: r.headers.get('content-type'),
          keys: Object.keys(r.body).sort(),
          body: {
            ...r.body,
            detail: r.body.detail.replace(id, '{id}'),
            instance: r.body.instance.replace(id, '{id}'),
            requestId: undefined,
          },
        });
        expect(shape(other, 'user-003'), prefix).to.deep.equal(
          shape(missing, 'user-999'),
        );
      }
    });

    it('lets a user cancel their own pending order, and nothing more', async () => {
      const created = await send('bob', 'POST', '/api/orders', {items: [item]});
      const id = created.body.data.order.id;
      const ship = await send('bob', 'PATCH', `/api/orders/${id}/status`, {
        status: 'processing',
      });
      expect(ship.body).to.include({status: 403, code: 'admin-only'});
      const cancel = await send('bob', 'PATCH', `/api/orders/${id}/status`, {
        status: 'cancelled',
      });
      expect(cancel.status).to.equal(200);
      expect(cancel.body.data.order.status).to.equal('cancelled');
      // Carol's order, and one that does not exist: the same 404.
      const carols = await send(
        'bob',
        'PATCH',
        '/api/orders/order-004/status',
        {status: 'cancelled'},
      );
      const none = await send('bob', 'PATCH', '/api/orders/no-order/status', {
        status: 'cancelled',
      });
      expect([carols.status, none.status]).to.deep.equal([404, 404]);
    });

    it('makes two orders of the same Idempotency-Key from two users, one from one user twice', async () => {
      const key = {'Idempotency-Key': `shared-${randomUUID()}`};
      const post = (who: Who) =>
        gw(who, '/api/orders', {
          method: 'POST',
          headers: {'Content-Type': 'application/json', ...key},
          body: JSON.stringify({userId: 'user-002', items: [item]}),
        });
      const bobs = await post('bob');
      const alices = await post('alice');
      const bobsAgain = await post('bob');
      expect([bobs.status, alices.status, bobsAgain.status]).to.deep.equal([
        201, 201, 201,
      ]);
      const replayed = (r: typeof bobs) => r.headers.get('idempotent-replayed');
      expect([bobs, alices, bobsAgain].map(replayed)).to.deep.equal([
        null,
        null,
        'true',
      ]);
      expect(alices.body.data.order.id).not.to.equal(bobs.body.data.order.id);
      expect(bobsAgain.body.data.order.id).to.equal(bobs.body.data.order.id);
    });

    it('creates a profile once, under the uid, with the verified email of the token and the default role', async () => {
      const email = `dana-${mode}@example.com`;
      let dana = await signIn(stack, email, 'signUp', 'dana-password');
      const create = (body: unknown) =>
        call(`${stack.info.urls.gateway}/api/users`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Authorization: `Bearer ${dana.idToken}`,
          },
          body: JSON.stringify(body),
        });
      // Signed up, not yet proven to own the address: no profile.
      const unproven = await create({name: 'Dana'});
      expect(unproven.status).to.equal(403);
      expect(unproven.body.code).to.equal('email-not-verified');
      // Nor is an address taken from whoever owns it by signing up with it.
      const ceo = `ceo-${mode}@victim.example`;
      const mallory = await signIn(stack, ceo, 'signUp', 'mallory-pw');
      const squat = await call(`${stack.info.urls.gateway}/api/users`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${mallory.idToken}`,
        },
        body: JSON.stringify({name: 'The CEO'}),
      });
      expect(squat.status).to.equal(403);
      const real = await send('alice', 'POST', '/api/users', {
        id: `ceo-${mode}`,
        name: 'The CEO',
        email: ceo,
      });
      expect(real.status).to.equal(201);
      const verified = await call(
        `${stack.info.endUsers.identityToolkit}/v1/accounts:update`,
        {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Authorization: `Bearer ${stack.info.endUsers.adminToken}`,
          },
          body: JSON.stringify({localId: dana.localId, emailVerified: true}),
        },
      );
      expect(verified.status).to.equal(200);
      dana = await signIn(stack, email, 'signInWithPassword', 'dana-password');
      expect((await create({name: 'Dana', role: 'admin'})).status).to.equal(
        403,
      );
      expect(
        (await create({name: 'Dana', email: 'ceo@example.com'})).status,
      ).to.equal(403);
      expect((await create({name: 'Dana', id: 'user-003'})).status).to.equal(
        403,
      );
      const made = await create({name: 'Dana'});
      expect(made.status).to.equal(201);
      expect(made.body.data.user).to.include({
        id: dana.localId,
        name: 'Dana',
        email,
        role: 'viewer',
      });
      expect((await create({name: 'Dana again'})).body).to.include({
        status: 409,
        code: 'profile-exists',
      });
      // An admin may create anyone's, with any role.
      const byAdmin = await send('alice', 'POST', '/api/users', {
        id: `erin-${mode}`,
        name: 'Erin',
        email: `erin-${mode}@example.com`,
        role: 'developer',
      });
      expect(byAdmin.status).to.equal(201);
      expect(byAdmin.body.data.user).to.include({role: 'developer'});
      // And an admin claim in a body makes no one an admin.
      const own = await call(`${stack.info.urls.gateway}/api/users`, {
        headers: {Authorization: `Bearer ${dana.idToken}`},
      });
      expect(own.body).to.include({status: 403, code: 'admin-only'});
    });

    it('refuses the ids Firestore reserves with a 400 problem, at every hop, never a 5xx', async () => {
      const asAlice: [string, string, unknown?][] = [
        ['GET', '/api/orders/__x__'],
        ['PATCH', '/api/orders/__x__/status', {status: 'cancelled'}],
        ['GET', '/api/orders?cursor=__x__'],
        ['GET', '/api/orders?userId=__x__'],
        ['GET', '/api/users/__x__'],
        ['GET', '/api/users?cursor=__x__'],
        ['GET', '/api/user-orders/__x__'],
        ['GET', '/api/user-orders-direct/__x__'],
        ['POST', '/api/orders', {userId: '__x__', items: [item]}],
        ['POST', '/api/users', {id: '__x__', name: 'X', email: 'x@x.example'}],
      ];
      for (const [method, path, body] of asAlice) {
        const res =
          body === undefined
            ? await gw('alice', path, {method})
            : await send('alice', method, path, body);
        expect(res.status, `${method} ${path}`).to.equal(400);
        expect(res.body.status, `${method} ${path}`).to.equal(400);
      }
    });

    it('never reads a token from the query string', async () => {
      for (const name of ['access_token', 'token', 'id_token'])
        expect(
          (await gw('nobody', `/api/orders?${name}=${tokens.bob}`)).status,
          name,
        ).to.equal(401);
    });

    it("refuses, at user and order themselves, another user's token or none, with the gateway's own service token", async () => {
      const {user, order} = stack.info.urls;
      const carol = (await signIn(stack, 'carol@example.com')).idToken;
      const serviceToken = (audience: string) =>
        stack.identity.signer.sign(
          claimsFor(
            stack.info.issuer.url,
            stack.info.accounts.gateway,
            audience,
          ),
        );
      const direct = async (
        base: string,
        path: string,
        endUser?: string,
        serviceHeader = 'X-Serverless-Authorization',
      ) => {
        const headers = {
          [serviceHeader]: `Bearer ${serviceToken(base)}`,
          ...(endUser === undefined
            ? {}
            : {Authorization: `Bearer ${endUser}`}),
        };
        if (mode === 'cloud') {
          const res = await viaConnector(
            stack.info.connector!,
            `${base}${path}`,
            headers,
          );
          return {status: res.status, body: JSON.parse(res.text)};
        }
        return call(`${base}${path}`, {headers});
      };
      // Bob's data asked for with Carol's token: as if it were not there.
      const bobsProfile = await direct(user, '/users/user-002', carol);
      expect(bobsProfile.status).to.equal(404);
      const bobsOrder = await direct(order, '/orders/order-002', carol);
      expect(bobsOrder.status).to.equal(404);
      const bobsOrders = await direct(order, '/orders/user/user-002', carol);
      expect(bobsOrders.status).to.equal(200);
      expect(bobsOrders.body.orders).to.deep.equal([]);
      const everyone = await direct(user, '/users', carol);
      expect(everyone.status).to.equal(403);
      // No end user at all: the service token alone reads nothing.
      for (const [base, path] of [
        [user, '/users/user-002'],
        [order, '/orders/user/user-002'],
        [order, '/orders'],
      ]) {
        const res = await direct(base, path);
        expect(res.status, path).to.equal(401);
      }
      // The service token alone, in Authorization: it is taken for the
      // caller's, and the answer names what is missing, the end user's.
      const serviceOnly = await direct(
        user,
        '/users/user-002',
        undefined,
        'Authorization',
      );
      expect(serviceOnly.status).to.equal(401);
      expect(serviceOnly.body.code).to.equal('end-user-token-required');
      // And the owner's token works the same way: the refusals were about the user.
      expect(
        (await direct(user, '/users/user-002', tokens.bob)).status,
      ).to.equal(200);
    });
  });

describe('end users off (END_USER_AUTH=off): the original demo’s open API', function () {
  this.timeout(60_000);
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      mode: 'cloud',
      projectId: uniqueProjectId('open'),
      firestoreHost: process.env.FIRESTORE_EMULATOR_HOST,
      endUserAuth: 'off',
    });
  });
  after(() => stack?.stop());

  it('answers every route of the original demo without a token, as it does', async () => {
    const gw = (path: string, init?: RequestInit) =>
      call(`${stack.info.urls.gateway}${path}`, init);
    expect(stack.info.endUsers.auth).to.equal('off');
    expect((await gw('/')).status).to.equal(200);
    expect(ids((await gw('/api/users')).body.data.users)).to.deep.equal([
      'user-001',
      'user-002',
      'user-003',
    ]);
    expect((await gw('/api/users/user-003')).body.data.user.name).to.equal(
      'Carol Williams',
    );
    expect(
      userIds((await gw('/api/orders')).body.data.orders).sort(),
    ).to.deep.equal(['user-001', 'user-002', 'user-003']);
    const created = await gw('/api/orders', {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({
        userId: 'user-003',
        items: [{product: 'x', quantity: 1, price: 1}],
      }),
    });
    expect(created.status).to.equal(201);
    const mesh = await gw('/api/user-orders/user-001');
    expect(mesh.body.mesh_path).to.deep.equal(['gateway', 'user', 'order']);
    expect((await gw('/api/user-orders-direct/user-001')).status).to.equal(200);
    const aggregate = await gw('/api/aggregate');
    expect(aggregate.status).to.equal(200);
    expect(aggregate.body).not.to.have.property('errors');
  });
});
