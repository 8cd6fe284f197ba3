/**
 * The rules' building blocks: who may act for whom, what a listing shows,
 * whose a new resource is; and a route whose rule names an owner its path
 * lacks refused at start.
 */
import {expect} from 'chai';
import {
  isAdmin,
  mayActFor,
  mayRequestFor,
  ownerFor,
  ownId,
  scopedKey,
  visibleUserId,
} from '../../../../../functions/common/http/access';
import {
  ANONYMOUS,
  UNCHECKED,
  type AccessDecision,
  type Principal,
} from '../../../../../functions/common/http/principal';
import {ForbiddenError} from '../../../../../functions/common/protocol/problem';
import {createHttpFunction} from '../../../../../functions/common/http/http-function';
import {JsonLogger} from '../../../../../functions/common/telemetry/logger';

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
