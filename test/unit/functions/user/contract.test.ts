/** Which profile each kind of caller may create, and the problem each refusal is. */
import {expect} from 'chai';
import {
  ANONYMOUS,
  type Principal,
} from '../../../../functions/common/http/principal';
import {HttpError} from '../../../../functions/common/protocol/problem';
import {profileRequest} from '../../../../functions/user/contract';

const user = (fields: Partial<Principal & {kind: 'end-user'}> = {}) =>
  ({
    kind: 'end-user',
    uid: 'uid-dana',
    admin: false,
    email: 'dana@example.com',
    emailVerified: true,
    ...fields,
  }) as Principal;

function refusal(p: Principal, body: unknown): HttpError {
  try {
    profileRequest(p, body);
  } catch (e: unknown) {
    expect(e).to.be.instanceOf(HttpError);
    return e as HttpError;
  }
  throw new Error('expected a refusal');
}

describe('profileRequest', () => {
  it("gives a signed-in user a profile of their own uid, with their sign-in's email and the default role", () => {
    expect(profileRequest(user(), {name: 'Dana'}).profile).to.deep.equal({
      id: 'uid-dana',
      user: {name: 'Dana', email: 'dana@example.com', role: 'viewer'},
    });
  });

  it('lets an admin name the id, email and role', () => {
    const admin = user({admin: true});
    const body = {id: 'u-9', name: 'X', email: 'x@example.com', role: 'admin'};
    expect(profileRequest(admin, body).profile).to.deep.equal({
      id: 'u-9',
      user: {name: 'X', email: 'x@example.com', role: 'admin'},
    });
  });

  const refusals: [string, Principal, unknown, number, string][] = [
    [
      'a user setting a role',
      user(),
      {name: 'D', role: 'admin'},
      403,
      'admin-only',
    ],
    [
      'a user setting an email',
      user(),
      {name: 'D', email: 'ceo@example.com'},
      403,
      'admin-only',
    ],
    [
      "a user naming another's id",
      user(),
      {name: 'D', id: 'user-003'},
      403,
      'admin-only',
    ],
    ['no end user at all', ANONYMOUS, {name: 'D'}, 403, 'end-user-only'],
    [
      'a sign-in without an email',
      user({email: undefined}),
      {name: 'D'},
      422,
      'sign-in-without-email',
    ],
    [
      'a sign-in whose email is not verified',
      user({emailVerified: false}),
      {name: 'D'},
      403,
      'email-not-verified',
    ],
    [
      'a uid that cannot be a profile id',
      user({uid: 'a/b'}),
      {name: 'D'},
      422,
      'user-id-unusable',
    ],
    ['a body without a name', user(), {}, 400, 'invalid-request'],
  ];
  refusals.forEach(([name, p, body, status, code]) =>
    it(`refuses ${name}: ${status} ${code}`, () => {
      const e = refusal(p, body);
      expect(e).to.include({status, code});
      expect(e.detail).to.be.a('string').with.length.above(0);
    }),
  );
});
