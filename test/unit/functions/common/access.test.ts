/**
 * The rules' building blocks: who may act for whom, what a listing shows,
 * whose a new resource is; and each route's rule held before its handler
 * runs, the owner a path names included.
 */
import {expect} from 'chai';
import {
  ADMIN,
  ANONYMOUS,
  isAdmin,
  mayActFor,
  mayRequestFor,
  own,
  ownerFor,
  ownId,
  PUBLIC,
  scopedKey,
  UNCHECKED,
  visibleUserId,
  type AccessDecision,
  type Principal,
} from '../../../../functions/common/access';
import {
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
} from '../../../../functions/common/problem';
import {createHttpFunction} from '../../../../functions/common/http-function';
import {JsonLogger} from '../../../../functions/common/logger';
import request from 'supertest';
import {frameworkServer} from '../../../fixtures/functions';

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

  it("refuses to start a function whose rule names an owner its route's path lacks", () => {
    const build = () =>
      createHttpFunction({
        service: 'test',
        projectId: 'p',
        requestTimeoutMs: 1000,
        logger: new JsonLogger('test', 'silent'),
        routes: [
          {
            method: 'GET',
            path: '/users/:userId',
            rule: ownId('id', async () => ({body: null})),
            handler: async () => ({body: 1}),
          },
        ],
        endUsers: 'off',
      });
    expect(build).to.throw(/GET \/users\/:userId: its rule's owner is :id/);
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
});

describe('createHttpFunction: the end user on each route', () => {
  const lines: Record<string, unknown>[] = [];
  let handled = 0;
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
        routes: (
          [
            ['/open', PUBLIC],
            ['/mine', own('theirs')],
            ['/admin', ADMIN],
            // The id the path names is the owner's; another's is missing.
            [
              '/users/:id',
              ownId('id', async req => {
                throw new NotFoundError(
                  'no-such-thing',
                  `No ${req.params.id}.`,
                );
              }),
            ],
            ['/lists/:id', ownId('id', async () => ({body: {items: []}}))],
          ] as const
        ).map(([path, rule]) => ({
          method: 'GET' as const,
          path,
          rule,
          handler: async (_req, ctx) => {
            handled++;
            return {body: {principal: ctx.principal}};
          },
        })),
        // Stands in for the verifier (end-user.test.ts): "Bearer <uid>[!]", ! for an admin.
        endUsers: async header => {
          const m = /^Bearer (\w+)(!?)$/.exec(header ?? '');
          if (!m)
            throw new UnauthorizedError(
              'token-required',
              'A bearer token is required.',
              !header,
            );
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
    {
      path: '/users/bob',
      who: 'bob',
      status: 200,
      access: {rule: 'signed-in', decision: 'allowed'},
      endUser: {uid: 'bob', admin: false},
    },
    {
      path: '/users/carol',
      who: 'bob',
      status: 404,
      access: {
        rule: 'signed-in',
        decision: 'refused',
        reason: "another user's",
      },
      endUser: {uid: 'bob', admin: false},
    },
    {
      path: '/users/carol',
      who: 'alice!',
      status: 200,
      access: {rule: 'signed-in', decision: 'allowed'},
      endUser: {uid: 'alice', admin: true},
    },
    {
      path: '/users/__bad__',
      who: 'bob',
      status: 400,
      access: {rule: 'signed-in', decision: 'allowed'},
      endUser: {uid: 'bob', admin: false},
    },
    {
      path: '/lists/carol',
      who: 'bob',
      status: 200,
      access: {
        rule: 'signed-in',
        decision: 'refused',
        reason: "another user's",
      },
      endUser: {uid: 'bob', admin: false},
    },
  ];
  cases.forEach(c =>
    it(`answers ${c.status} to ${c.who ?? 'nobody'} on ${c.path}, and logs who and why, never the email`, async () => {
      lines.length = 0;
      handled = 0;
      const req = request(server()).get(c.path);
      if (c.who) void req.set('Authorization', `Bearer ${c.who}`);
      const res = await req;
      expect(res.status).to.equal(c.status);
      // A route's rule is held before its handler runs.
      const reached = c.status === 200 && c.access.decision === 'allowed';
      expect(handled, 'handler runs').to.equal(reached ? 1 : 0);
      if (c.path === '/users/carol' && c.status === 404)
        expect(res.body.code).to.equal('no-such-thing');
      if (c.path === '/lists/carol')
        expect(res.body).to.deep.equal({items: []});
      if (c.status === 401)
        expect(res.headers['www-authenticate']).to.equal('Bearer');
      const [line] = lines;
      expect(line.endUser).to.deep.equal(c.endUser);
      expect(line.access).to.deep.equal(c.access);
      expect(JSON.stringify(line)).not.to.contain('@x.test');
    }),
  );
});
