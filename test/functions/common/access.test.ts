/**
 * The rules' building blocks: who may act for whom, what a listing shows,
 * whose a new resource is, and that every route of every function has a
 * rule (a function with a route that has none refuses to start).
 */
import {expect} from 'chai';
import {
  ANONYMOUS,
  isAdmin,
  mayActFor,
  mayRequestFor,
  ownerFor,
  scopedKey,
  UNCHECKED,
  visibleUserId,
  type AccessDecision,
  type Principal,
} from '../../../functions/common/access';
import {ForbiddenError} from '../../../functions/common/problem';
import {ACCESS as GATEWAY} from '../../../functions/gateway/access';
import {ACCESS as ORDER} from '../../../functions/order/access';
import {ACCESS as USER} from '../../../functions/user/access';
import {createHttpFunction} from '../../../functions/common/http-function';
import {JsonLogger} from '../../../functions/common/logger';
import {gatewayRoutes} from '../../../functions/gateway/routes';
import {orderRoutes} from '../../../functions/order/routes';
import {userRoutes} from '../../../functions/user/routes';
import request from 'supertest';
import {UnauthorizedError} from '../../../functions/common/problem';
import {frameworkServer} from '../../fixtures/functions';

const bob: Principal = {
  kind: 'end-user',
  uid: 'bob',
  admin: false,
  emailVerified: true,
};
const alice: Principal = {
  kind: 'end-user',
  uid: 'alice',
  admin: true,
  emailVerified: true,
};

describe('access rules', () => {
  const cases: {
    who: string;
    p: Principal;
    admin: boolean;
    forBob: boolean;
    forCarol: boolean;
  }[] = [
    {who: 'a user', p: bob, admin: false, forBob: true, forCarol: false},
    {who: 'an admin', p: alice, admin: true, forBob: true, forCarol: true},
    {who: 'nobody', p: ANONYMOUS, admin: false, forBob: false, forCarol: false},
    {
      who: 'anyone, with checks off',
      p: UNCHECKED,
      admin: true,
      forBob: true,
      forCarol: true,
    },
  ];
  cases.forEach(c =>
    it(`lets ${c.who} act as the rules say`, () => {
      expect(isAdmin(c.p)).to.equal(c.admin);
      expect(mayActFor(c.p, 'bob')).to.equal(c.forBob);
      expect(mayActFor(c.p, 'carol')).to.equal(c.forCarol);
    }),
  );

  it("limits a user's listing to their own, whatever the filter", () => {
    expect(visibleUserId(bob, undefined)).to.deep.equal({userId: 'bob'});
    expect(visibleUserId(bob, 'bob')).to.deep.equal({userId: 'bob'});
    expect(visibleUserId(bob, 'carol')).to.equal(null);
    expect(visibleUserId(ANONYMOUS, undefined)).to.equal(null);
    expect(visibleUserId(alice, undefined)).to.deep.equal({
      userId: undefined,
    });
    expect(visibleUserId(alice, 'carol')).to.deep.equal({userId: 'carol'});
  });

  it("makes a new resource the user's own, and refuses one for another", async () => {
    expect(ownerFor(bob, undefined)).to.equal('bob');
    expect(ownerFor(bob, 'bob')).to.equal('bob');
    expect(() => ownerFor(bob, 'carol')).to.throw(ForbiddenError);
    expect(ownerFor(alice, 'carol')).to.equal('carol');
    expect(ownerFor(UNCHECKED, undefined)).to.equal(undefined);
  });

  it('marks a request for another user refused, for the log only', () => {
    const ctx: {principal: Principal; access?: AccessDecision} = {
      principal: bob,
      access: {rule: 'signed-in', decision: 'allowed'},
    };
    expect(mayRequestFor(ctx, 'bob')).to.equal(true);
    expect(ctx.access?.decision).to.equal('allowed');
    expect(mayRequestFor(ctx, 'carol')).to.equal(false);
    expect(ctx.access).to.deep.equal({
      rule: 'signed-in',
      decision: 'refused',
      reason: "another user's",
    });
  });

  it('scopes an Idempotency-Key to the end user who sent it', () => {
    expect(scopedKey(bob, 'k')).not.to.equal(scopedKey(alice, 'k'));
    expect(scopedKey(bob, 'k')).to.equal(scopedKey(bob, 'k'));
    // No way to make one user's key another's by choosing the key.
    expect(
      scopedKey(
        {kind: 'end-user', uid: 'a', admin: false, emailVerified: true},
        'b:c',
      ),
    ).not.to.equal(
      scopedKey(
        {kind: 'end-user', uid: 'a:b', admin: false, emailVerified: true},
        'c',
      ),
    );
  });

  it('has a rule for every route of every function, and none for a route that is gone', () => {
    const unused = {} as never;
    const functions = {
      gateway: [gatewayRoutes({users: unused, orders: unused}), GATEWAY],
      user: [userRoutes({users: unused, orders: unused}), USER],
      order: [orderRoutes({orders: unused}), ORDER],
    } as const;
    for (const [service, [list, rules]] of Object.entries(functions)) {
      const keys = list.map(r => `${r.method} ${r.path}`).sort();
      expect(Object.keys(rules).sort(), service).to.deep.equal(keys);
    }
  });

  it('refuses to build a function with a route that has no rule', async () => {
    const build = () =>
      createHttpFunction({
        service: 'test',
        projectId: 'p',
        requestTimeoutMs: 1000,
        logger: new JsonLogger('test', 'silent'),
        routes: [
          {method: 'GET', path: '/new', handler: async () => ({body: 1})},
        ],
        access: {},
        endUsers: 'off',
      });
    expect(build).to.throw(/GET \/new has no access rule/);
  });
});

describe('createHttpFunction: the end user on each route', () => {
  const lines: Record<string, unknown>[] = [];
  const server = () =>
    frameworkServer(
      createHttpFunction({
        service: 'test',
        projectId: 'p',
        requestTimeoutMs: 5000,
        logger: new JsonLogger('test', 'info', {
          add: line => lines.push(JSON.parse(line)),
          hold: () => () => undefined,
        }),
        routes: ['/open', '/mine', '/admin'].map(path => ({
          method: 'GET' as const,
          path,
          handler: async (_req, ctx) => ({body: {principal: ctx.principal}}),
        })),
        access: {
          'GET /open': {access: 'public'},
          'GET /mine': {access: 'signed-in', own: 'theirs'},
          'GET /admin': {access: 'admin'},
        },
        // Stands in for the verifier (end-user.test.ts): "Bearer <uid>[!]", ! for an admin.
        endUsers: async header => {
          const m = /^Bearer (\w+)(!?)$/.exec(header ?? '');
          if (!m)
            throw new UnauthorizedError('A bearer token is required.', !header);
          return {
            uid: m[1],
            admin: m[2] === '!',
            email: `${m[1]}@x.test`,
            emailVerified: true,
          };
        },
      }),
    );

  const cases: {
    path: string;
    who?: string;
    status: number;
    access: AccessDecision;
    endUser: unknown;
  }[] = [
    {
      path: '/open',
      status: 200,
      access: {rule: 'public', decision: 'allowed'},
      endUser: 'anonymous',
    },
    {
      path: '/open',
      who: 'bob',
      status: 200,
      access: {rule: 'public', decision: 'allowed'},
      endUser: 'anonymous',
    },
    {
      path: '/mine',
      status: 401,
      access: {
        rule: 'signed-in',
        decision: 'refused',
        reason: 'A bearer token is required.',
      },
      endUser: 'anonymous',
    },
    {
      path: '/mine',
      who: 'bob',
      status: 200,
      access: {rule: 'signed-in', decision: 'allowed'},
      endUser: {uid: 'bob', admin: false},
    },
    {
      path: '/admin',
      who: 'bob',
      status: 403,
      access: {
        rule: 'admin',
        decision: 'refused',
        reason: 'Only an admin may do this.',
      },
      endUser: {uid: 'bob', admin: false},
    },
    {
      path: '/admin',
      who: 'alice!',
      status: 200,
      access: {rule: 'admin', decision: 'allowed'},
      endUser: {uid: 'alice', admin: true},
    },
  ];
  cases.forEach(c =>
    it(`answers ${c.status} to ${c.who ?? 'nobody'} on ${c.path}, and logs who and why, never the email`, async () => {
      lines.length = 0;
      const req = request(server()).get(c.path);
      if (c.who) void req.set('Authorization', `Bearer ${c.who}`);
      const res = await req;
      expect(res.status).to.equal(c.status);
      if (c.status === 401)
        expect(res.headers['www-authenticate']).to.equal('Bearer');
      const [line] = lines;
      expect(line.endUser).to.deep.equal(c.endUser);
      expect(line.access).to.deep.equal(c.access);
      expect(JSON.stringify(line)).not.to.contain('@x.test');
    }),
  );
});
