/**
 * How a route's rule is held for one request (route-rules.ts): which
 * routes name their owner in the path and how that id is checked, which
 * handler answers a user who names someone else, where the end user's
 * token is read from, and who the request then acts for.
 */
import {expect} from 'chai';
import {
  ADMIN,
  own,
  ownId,
  PUBLIC,
} from '../../../../../functions/common/http/access';
import {UNCHECKED} from '../../../../../functions/common/http/principal';
import type {EndUser} from '../../../../../functions/common/identity/end-user';
import {END_USER_AUTHORIZATION} from '../../../../../functions/common/http/context';
import {
  ForbiddenError,
  ValidationError,
} from '../../../../../functions/common/protocol/problem';
import {
  checkEndUser,
  endUserAuthorization,
  ownerParams,
  ownersHandler,
} from '../../../../../functions/common/http/route-rules';
import type {Handler} from '../../../../../functions/common/http/handler';
import type {Route} from '../../../../../functions/common/http/router';
import {testContext} from '../../../../fixtures/context';

const handler: Handler = async () => ({body: 'handler'});
const refused: Handler = async () => ({body: 'refused'});
const route = (path: string, rule: Route['rule']): Route => ({
  method: 'GET',
  path,
  rule,
  handler,
});

const bob: EndUser = {uid: 'bob', admin: false, emailVerified: true};
const alice: EndUser = {uid: 'alice', admin: true, emailVerified: true};

describe('ownerParams', () => {
  it('keeps a schema for each route whose rule names its owner, and for no other', () => {
    const mine = route('/users/:id/orders', ownId('id', refused));
    const open = route('/users', PUBLIC);
    const admin = route('/users/:id', ADMIN);
    const owners = ownerParams([open, mine, admin]);
    expect([...owners.keys()]).to.deep.equal([mine]);
    const schema = owners.get(mine)!;
    expect(schema.parse({id: 'user-001'})).to.deep.equal({id: 'user-001'});
    expect(schema.safeParse({id: '../x'}).success).to.equal(false);
    expect(schema.safeParse({}).success).to.equal(false);
  });

  const lacking: [string, string][] = [
    ['/users/:userId', 'id'],
    ['/users/id', 'id'],
    ['/users/:id-x', 'id'],
    ['/:ids', 'id'],
  ];
  lacking.forEach(([path, param]) =>
    it(`refuses at start a rule naming :${param}, which ${path} does not have`, () => {
      expect(() => ownerParams([route(path, ownId(param, refused))]))
        .to.throw(Error)
        .with.property('message')
        .that.includes(`GET ${path}`)
        .and.includes(`:${param}`);
    }),
  );
});

describe('ownersHandler', () => {
  // Made in each test, not as the file loads (see access-limits.test.ts).
  const mine = () => {
    const owned = route('/users/:id', ownId('id', refused));
    return {owned, owners: ownerParams([owned])};
  };
  const as = (user: EndUser | 'unchecked') => {
    const ctx = testContext({
      principal: user === 'unchecked' ? UNCHECKED : {kind: 'end-user', ...user},
    });
    ctx.access = {rule: 'signed-in', decision: 'allowed'};
    return ctx;
  };

  const cases: {
    who: string;
    user: EndUser | 'unchecked';
    id: string;
    answer: Handler;
    decision: string;
  }[] = [
    {
      who: 'a user, their own',
      user: bob,
      id: 'bob',
      answer: handler,
      decision: 'allowed',
    },
    {
      who: "a user, another's",
      user: bob,
      id: 'carol',
      answer: refused,
      decision: 'refused',
    },
    {
      who: "an admin, another's",
      user: alice,
      id: 'carol',
      answer: handler,
      decision: 'allowed',
    },
    {
      who: 'anyone, with checks off',
      user: 'unchecked',
      id: 'carol',
      answer: handler,
      decision: 'allowed',
    },
  ];
  cases.forEach(c =>
    it(`answers ${c.who} with the ${c.answer === handler ? "route's handler" : "rule's refusal"}`, () => {
      const ctx = as(c.user);
      const {owned, owners} = mine();
      expect(ownersHandler(ctx, owned, owners, {id: c.id})).to.equal(c.answer);
      expect(ctx.access?.decision).to.equal(c.decision);
    }),
  );

  it('serves a route whose rule names no owner with its handler, whatever the path holds', () => {
    const open = route('/users/:id', own('anything'));
    expect(
      ownersHandler(as(bob), open, ownerParams([open]), {id: '../x'}),
    ).to.equal(handler);
  });

  it('refuses a malformed owner id as bad input, naming the parameter, whoever asks', () => {
    for (const user of [bob, alice]) {
      let error: unknown;
      try {
        const {owned, owners} = mine();
        ownersHandler(as(user), owned, owners, {id: '__x__'});
      } catch (e: unknown) {
        error = e;
      }
      expect(error).to.be.instanceOf(ValidationError);
      expect((error as ValidationError).status).to.equal(400);
      expect((error as ValidationError).detail).to.contain('path');
      expect(
        (error as ValidationError).errors!.map(e => e.field),
      ).to.deep.equal(['id']);
    }
  });
});

describe('endUserAuthorization', () => {
  const request = (headers: Record<string, string>) => ({
    get: (name: string) => headers[name.toLowerCase()],
  });
  const cases: {
    name: string;
    headers: Record<string, string>;
    callersChecked: boolean;
    expected: string | undefined;
  }[] = [
    {
      name: 'with no caller check, Authorization is the end user’s',
      headers: {authorization: 'Bearer user'},
      callersChecked: false,
      expected: 'Bearer user',
    },
    {
      name: 'a caller whose own token came in X-Serverless-Authorization leaves Authorization to the end user',
      headers: {
        'x-serverless-authorization': 'Bearer caller',
        authorization: 'Bearer user',
      },
      callersChecked: true,
      expected: 'Bearer user',
    },
    {
      name: 'a caller whose own token came in Authorization sent no end user’s',
      headers: {authorization: 'Bearer caller'},
      callersChecked: true,
      expected: undefined,
    },
    {
      name: 'nothing sent, nothing read',
      headers: {},
      callersChecked: false,
      expected: undefined,
    },
  ];
  cases.forEach(c =>
    it(c.name, () => {
      expect(
        endUserAuthorization(request(c.headers), c.callersChecked),
      ).to.equal(c.expected);
    }),
  );
});

describe('checkEndUser', () => {
  const verify = (user: EndUser) => {
    const seen: (string | undefined)[] = [];
    const check = async (authorization: string | undefined) => {
      seen.push(authorization);
      return user;
    };
    return {seen, check};
  };

  it('acts for anyone when end-user checks are off, asking no one', async () => {
    const ctx = testContext();
    await checkEndUser(ctx, ADMIN, 'off', 'Bearer x');
    expect(ctx.principal).to.equal(UNCHECKED);
    expect(ctx[END_USER_AUTHORIZATION]).to.equal(undefined);
  });

  it("acts for the verified end user, and keeps their token for the next hop's call", async () => {
    const ctx = testContext();
    const {seen, check} = verify(bob);
    await checkEndUser(ctx, own('theirs'), check, 'Bearer bob');
    expect(seen).to.deep.equal(['Bearer bob']);
    expect(ctx.principal).to.deep.equal({kind: 'end-user', ...bob});
    expect(ctx[END_USER_AUTHORIZATION]).to.equal('Bearer bob');
  });

  it('refuses a user who is not an admin on an admin route (403 admin-only), an admin not', async () => {
    const ctx = testContext();
    let error: unknown;
    await checkEndUser(ctx, ADMIN, verify(bob).check, 'Bearer bob').catch(
      (e: unknown) => (error = e),
    );
    expect(error).to.be.instanceOf(ForbiddenError);
    expect(error).to.include({status: 403, code: 'admin-only'});
    // Who was refused is known, for the log line.
    expect(ctx.principal).to.deep.include({uid: 'bob'});
    const admin = testContext();
    await checkEndUser(admin, ADMIN, verify(alice).check, 'Bearer alice');
    expect(admin.principal).to.deep.include({uid: 'alice', admin: true});
  });

  it('passes a refusal of the token on as it is', async () => {
    const denied = new Error('no');
    const error = await checkEndUser(
      testContext(),
      own('theirs'),
      () => Promise.reject(denied),
      undefined,
    ).catch((e: unknown) => e);
    expect(error).to.equal(denied);
  });
});
