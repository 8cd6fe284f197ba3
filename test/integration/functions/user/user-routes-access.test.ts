/**
 * Who may do what on the user function, route by route, on the seed users
 * in the real Firestore emulator (Alice, the admin; Bob; Carol; and Dana,
 * signed in without a profile yet), with a stand-in order function that
 * records what it is asked: each route called by the gateway as nobody,
 * with a forged or a foreign token, as a user on their own profile and on
 * another's, and as an admin. What each is answered, what is stored
 * afterwards (a refusal writes nothing), which calls it made for whom, and
 * what its log line says was decided.
 */
import {expect} from 'chai';
import type {Firestore} from '@google-cloud/firestore';
import {END_USER_AUTHORIZATION} from '../../../../functions/common/http/context';
import type {RequestContext} from '../../../../functions/common/http/context';
import type {
  Call,
  ServiceCaller,
} from '../../../../functions/common/calls/service-client';
import {perRequest} from '../../../../functions/common/setup/wiring';
import {Users} from '../../../../functions/user/domain';
import {userRoutes} from '../../../../functions/user/routes';
import {
  emailKey,
  FirestoreUserStore,
  USER_EMAILS,
  USERS,
} from '../../../../functions/user/store';
import {loadSeed} from '../../../../local/seed';
import {isolatedFirestore} from '../../../fixtures/emulator';
import {
  expectAnswer,
  expectDecision,
  idsAnswered,
  titleOf,
  unsigned,
  type AccessCase,
} from '../../../fixtures/access-table';
import {asEndUser, UID} from '../../../fixtures/signed-end-users';
import {headers} from '../../../fixtures/gateway';
import {internalFunction} from '../../../fixtures/internal-function';
import {order} from '../../../fixtures/user-function';

const {alice, bob, carol, dana} = UID;

interface Case extends AccessCase {
  /** The ids of the users answered: a list's, or the one user's. */
  users?: string[];
  /** The calls made to the order function, as `METHOD path?query`. */
  calls?: string[];
  /** Whose profile the request stored, and as what; or whose it deleted. */
  created?: {id: string; email: string; role: string};
  deleted?: string;
  /** The order function's answer to "which open orders has this user". */
  openOrders?: unknown[];
}

const openQuery = (uid: string) =>
  `GET orders?userId=${uid}&status=pending%2Cprocessing%2Cshipped&limit=1`;

const table: Record<string, Case[]> = {
  'GET /': [{who: 'nobody', req: 'GET /', status: 200}],
  'GET /users': [
    ...unsigned('GET /users'),
    {who: 'bob', req: 'GET /users', status: 403, code: 'admin-only'},
    {who: 'alice', req: 'GET /users', status: 200, users: [alice, bob, carol]},
  ],
  'POST /users': [
    ...unsigned('POST /users', {name: 'Dana'}),
    {
      who: 'dana',
      req: 'POST /users',
      body: {name: 'Dana'},
      status: 201,
      users: [dana],
      created: {id: dana, email: `${dana}@example.com`, role: 'viewer'},
    },
    {
      who: 'dana',
      req: 'POST /users',
      body: {name: 'Dana', id: carol},
      status: 403,
      code: 'admin-only',
      byHandler: true,
    },
    {
      who: 'dana',
      req: 'POST /users',
      body: {name: 'Dana', role: 'admin'},
      status: 403,
      code: 'admin-only',
      byHandler: true,
    },
    // A body an admin may send is refused whole: no field of it is taken.
    {
      who: 'dana',
      req: 'POST /users',
      body: {name: 'Dana', email: 'ceo@example.com'},
      status: 403,
      code: 'admin-only',
      byHandler: true,
    },
    {
      who: 'bob',
      req: 'POST /users',
      body: {name: 'Bob'},
      status: 409,
      code: 'profile-exists',
    },
    {
      who: 'alice',
      req: 'POST /users',
      body: {
        id: 'user-009',
        name: 'Eve',
        email: 'eve@example.com',
        role: 'developer',
      },
      status: 201,
      users: ['user-009'],
      created: {id: 'user-009', email: 'eve@example.com', role: 'developer'},
    },
    // An email is one profile's: Bob's is taken.
    {
      who: 'alice',
      req: 'POST /users',
      body: {id: 'user-009', name: 'Eve', email: 'BOB@example.com'},
      status: 409,
      code: 'email-taken',
    },
    // An admin's profile of someone else needs the email.
    {
      who: 'alice',
      req: 'POST /users',
      body: {id: 'user-009', name: 'Eve'},
      status: 400,
      code: 'invalid-request',
    },
  ],
  'GET /users/:id': [
    ...unsigned(`GET /users/${bob}`),
    {who: 'bob', req: `GET /users/${bob}`, status: 200, users: [bob]},
    {
      who: 'bob',
      req: `GET /users/${carol}`,
      status: 404,
      code: 'user-not-found',
      hidden: true,
    },
    {who: 'bob', req: 'GET /users/__x__', status: 400, code: 'invalid-request'},
    {who: 'alice', req: `GET /users/${carol}`, status: 200, users: [carol]},
    {
      who: 'alice',
      req: 'GET /users/user-999',
      status: 404,
      code: 'user-not-found',
    },
  ],
  'DELETE /users/:id': [
    ...unsigned(`DELETE /users/${carol}`),
    {who: 'bob', req: `DELETE /users/${bob}`, status: 403, code: 'admin-only'},
    {
      who: 'alice',
      req: `DELETE /users/${carol}`,
      status: 204,
      calls: [openQuery(carol)],
      deleted: carol,
    },
    {
      who: 'alice',
      req: `DELETE /users/${carol}`,
      openOrders: [order],
      status: 409,
      code: 'user-has-open-orders',
      calls: [openQuery(carol)],
    },
    {
      who: 'alice',
      req: 'DELETE /users/user-999',
      status: 404,
      code: 'user-not-found',
      calls: [],
    },
  ],
  'GET /users/:id/orders': [
    ...unsigned(`GET /users/${bob}/orders`),
    {
      who: 'bob',
      req: `GET /users/${bob}/orders`,
      status: 200,
      users: [bob],
      calls: [`GET orders/user/${bob}`],
    },
    {
      who: 'bob',
      req: `GET /users/${carol}/orders`,
      status: 404,
      code: 'user-not-found',
      hidden: true,
      calls: [],
    },
    {
      who: 'alice',
      req: `GET /users/${carol}/orders`,
      status: 200,
      users: [carol],
      calls: [`GET orders/user/${carol}`],
    },
  ],
};

/** A stand-in order function: `open` for open orders, one order for a user's list. */
function orderFunction(open: unknown[]) {
  const calls: {call: Call; ctx: RequestContext}[] = [];
  const caller: ServiceCaller = {
    async call(ctx, call, schema) {
      calls.push({call, ctx});
      const orders = call.path.length === 1 ? open : [order];
      return {
        status: 200,
        data: schema.parse({service: 'order', orders}),
        headers,
      };
    },
  };
  return {caller, calls};
}

describe('user function: who may do what, route by route', () => {
  let db: Firestore;
  beforeEach(async () => {
    db = isolatedFirestore();
    await loadSeed({users: db});
  });
  afterEach(() => db.terminate());

  const serve = (open: unknown[] = []) => {
    const store = new FirestoreUserStore(db);
    const orders = orderFunction(open);
    const fn = internalFunction(
      'user',
      userRoutes({
        users: perRequest(
          () => store,
          'users',
          s => new Users(s),
        ),
        orders: orders.caller,
      }),
    );
    return {...fn, calls: orders.calls};
  };

  /** Every stored document of both collections: path → its fields. */
  const stored = async () =>
    Object.fromEntries(
      (
        await Promise.all([USERS, USER_EMAILS].map(c => db.collection(c).get()))
      ).flatMap(s => s.docs.map(d => [d.ref.path, d.data()])),
    );

  it('has a row for every route of the user function', () => {
    const routes = userRoutes({
      users: () => ({}) as never,
      orders: {} as never,
    });
    expect(Object.keys(table)).to.have.members(
      routes.map(r => `${r.method} ${r.path}`),
    );
  });

  for (const [route, cases] of Object.entries(table))
    for (const c of cases)
      it(`${titleOf(route, c)}${c.openOrders ? ' (with open orders)' : ''}`, async () => {
        const fn = serve(c.openOrders);
        const before = await stored();
        // The header sent, to find it on the calls made: a token minted again
        // a second later is another.
        const auth = asEndUser(c.who);
        const res = await fn.send(c.who, c.req, c.body).set(auth);
        expectAnswer(res, c);
        if (c.users !== undefined)
          expect(idsAnswered(res.body, 'user', 'users')).to.deep.equal(c.users);
        const now = await stored();
        const expected = {...before};
        if (c.created !== undefined) {
          const {id, email, role} = c.created;
          expect(res.body.user).to.include({id, email, role});
          expect(now[`${USERS}/${id}`]).to.include({email, role});
          expect(now[`${USER_EMAILS}/${emailKey(email)}`]).to.deep.equal({
            userId: id,
          });
          expected[`${USERS}/${id}`] = now[`${USERS}/${id}`];
          expected[`${USER_EMAILS}/${emailKey(email)}`] = {userId: id};
        }
        if (c.deleted !== undefined) {
          const email = before[`${USERS}/${c.deleted}`].email as string;
          delete expected[`${USERS}/${c.deleted}`];
          delete expected[`${USER_EMAILS}/${emailKey(email)}`];
        }
        expect(now).to.deep.equal(expected);
        if (c.calls !== undefined)
          expect(
            fn.calls.map(({call}) => {
              const query = new URLSearchParams(
                call.query as Record<string, string>,
              ).toString();
              return `${call.method} ${call.path.join('/')}${query ? `?${query}` : ''}`;
            }),
          ).to.deep.equal(c.calls);
        // A call to the order function acts for the end user, with their token.
        for (const {ctx} of fn.calls) {
          expect(ctx.principal).to.deep.include({uid: UID[c.who as 'bob']});
          expect(ctx[END_USER_AUTHORIZATION]).to.equal(auth.Authorization);
        }
        expectDecision(fn.lines[0], c);
      });

  it('answers the mesh route with the profile, the orders the order function gave, and the path taken', async () => {
    const res = await serve().send('bob', `GET /users/${bob}/orders`);
    expect(res.body).to.deep.equal({
      service: 'user',
      user: {
        id: bob,
        name: 'Bob Smith',
        email: 'bob@example.com',
        role: 'developer',
        createdAt: res.body.user.createdAt,
      },
      orders: {count: 1, orders: [order]},
      mesh_path: ['user', 'order'],
    });
  });

  it('lists users a page at a time, for an admin', async () => {
    const fn = serve();
    const first = await fn.send('alice', 'GET /users?limit=2');
    expect(first.body.users.map((u: {id: string}) => u.id)).to.deep.equal([
      alice,
      bob,
    ]);
    expect(first.body.nextCursor).to.equal(bob);
    const rest = await fn.send(
      'alice',
      `GET /users?limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(rest.body).to.deep.include({service: 'user'});
    expect(rest.body.users.map((u: {id: string}) => u.id)).to.deep.equal([
      carol,
    ]);
    expect(rest.body).not.to.have.property('nextCursor');
  });
});
