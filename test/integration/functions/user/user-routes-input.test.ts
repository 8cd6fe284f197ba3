/**
 * What the user function's routes answer to input they cannot take, on the
 * seed users in the emulator: a 400 invalid-request problem that names the
 * field at fault and, in its detail, the part of the request it was in
 * (path, query, body), the order function never asked and nothing stored.
 * Deletes it refuses, with the problems its contract declares; and its
 * health check, which names the service.
 */
import {expect} from 'chai';
import type {Firestore} from '@google-cloud/firestore';
import type {ServiceCaller} from '../../../../functions/common/calls/service-client';
import {perRequest} from '../../../../functions/common/setup/wiring';
import {Users} from '../../../../functions/user/domain';
import {userRoutes} from '../../../../functions/user/routes';
import {userCalls} from '../../../../functions/user/contract';
import {
  FirestoreUserStore,
  USER_EMAILS,
  USERS,
} from '../../../../functions/user/store';
import {loadSeed} from '../../../../local/seed';
import {isolatedFirestore} from '../../../fixtures/emulator';
import {UID, type Who} from '../../../fixtures/signed-end-users';
import {headers} from '../../../fixtures/gateway';
import {order} from '../../../fixtures/user-function';
import {internalFunction} from '../../../fixtures/internal-function';

/** An id the routes refuse: Firestore keeps ids of this form for itself. */
const BAD_ID = '__x__';

const cases: {
  who: Who;
  req: string;
  body?: object;
  where: 'path' | 'query' | 'body';
  field: string;
}[] = [
  {who: 'alice', req: 'GET /users?limit=0', where: 'query', field: 'limit'},
  {who: 'alice', req: `GET /users/${BAD_ID}`, where: 'path', field: 'id'},
  {who: 'alice', req: `DELETE /users/${BAD_ID}`, where: 'path', field: 'id'},
  {
    who: 'alice',
    req: `GET /users/${BAD_ID}/orders`,
    where: 'path',
    field: 'id',
  },
  {who: 'dana', req: 'POST /users', body: [], where: 'body', field: 'body'},
];

describe('user function: input refused', () => {
  let db: Firestore;
  let asked: number;
  beforeEach(async () => {
    db = isolatedFirestore();
    await loadSeed({users: db});
    asked = 0;
  });
  afterEach(() => db.terminate());

  /** The user function; its order function answers `open` as anyone's open orders, else may not be asked. */
  const serve = (open?: unknown[]) => {
    const store = new FirestoreUserStore(db);
    const orders: ServiceCaller = {
      async call(_ctx, _call, schema) {
        asked++;
        if (open === undefined)
          throw new Error('the order function is not to be asked');
        return {
          status: 200,
          data: schema.parse({service: 'order', orders: open}),
          headers,
        };
      },
    };
    return internalFunction(
      'user',
      userRoutes({
        users: perRequest(
          () => store,
          'users',
          s => new Users(s),
        ),
        orders,
      }),
    );
  };

  const stored = async () =>
    Promise.all(
      [USERS, USER_EMAILS].map(async c =>
        (await db.collection(c).get()).docs.map(d => d.id),
      ),
    );

  cases.forEach(c =>
    it(`${c.req} as ${c.who}: 400 naming ${c.field} in the ${c.where}`, async () => {
      const before = await stored();
      const res = await serve().send(c.who, c.req, c.body);
      expect(res.status, JSON.stringify(res.body)).to.equal(400);
      expect(res.body.code).to.equal('invalid-request');
      expect(res.body.detail).to.match(new RegExp(`\\b${c.where}\\b`));
      expect(res.body.errors.map((e: {field: string}) => e.field)).to.include(
        c.field,
      );
      expect(asked).to.equal(0);
      expect(await stored()).to.deep.equal(before);
    }),
  );

  it('answers deletes it refuses with the problems its contract declares', async () => {
    const missing = await serve().send('alice', 'DELETE /users/nope');
    const withOpenOrders = await serve([order]).send(
      'alice',
      `DELETE /users/${UID.bob}`,
    );
    for (const res of [missing, withOpenOrders])
      expect(
        (userCalls.deleteUser.problems as Record<string, number>)[
          res.body.code
        ],
        res.body.code,
      ).to.equal(res.status);
    expect([missing.status, withOpenOrders.status]).to.deep.equal([404, 409]);
  });

  it('answers its health check with its name and ok', async () => {
    const res = await serve().send('nobody', 'GET /');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({service: 'user', status: 'ok'});
  });
});
