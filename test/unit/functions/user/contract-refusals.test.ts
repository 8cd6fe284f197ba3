/**
 * What a client is told when the user contract refuses a new profile: the
 * field, and a message in the contract's own words (never the validation
 * library's defaults) naming the values allowed where there are some; and
 * each bound at its edge, for an admin's body and a user's.
 */
import {expect} from 'chai';
import type {Principal} from '../../../../functions/common/http/principal';
import {ValidationError} from '../../../../functions/common/protocol/problem';
import {
  profileRequest,
  ROLES,
  userNotFound,
} from '../../../../functions/user/contract';

const admin: Principal = {
  kind: 'end-user',
  uid: 'admin-1',
  admin: true,
  emailVerified: true,
};
const dana: Principal = {
  kind: 'end-user',
  uid: 'uid-dana',
  admin: false,
  email: 'dana@example.com',
  emailVerified: true,
};

/** An email address of `length` characters. */
const emailOf = (length: number) =>
  `${'a'.repeat(64)}@${'b'.repeat(length - 64 - 1 - 4)}.com`;

function refusal(p: Principal, body: unknown) {
  try {
    profileRequest(p, body);
  } catch (e: unknown) {
    expect(e).to.be.instanceOf(ValidationError);
    return (e as ValidationError).errors!;
  }
  throw new Error('expected a refusal');
}

const LIBRARY_WORDS = /^(Invalid|Too (small|big))\b/;

describe('user contract: refusals', () => {
  const valid = {name: 'Eve', email: 'eve@example.com'};
  const cases: {
    name: string;
    p: Principal;
    body: unknown;
    field: string;
    names?: string[];
  }[] = [
    {
      name: 'a blank name',
      p: admin,
      body: {...valid, name: '   '},
      field: 'name',
    },
    {
      name: 'a name over 100 characters',
      p: dana,
      body: {name: 'n'.repeat(101)},
      field: 'name',
    },
    {
      name: 'an email that is not one',
      p: admin,
      body: {...valid, email: 'eve'},
      field: 'email',
    },
    {
      name: 'an email over 254 characters',
      p: admin,
      body: {...valid, email: emailOf(255)},
      field: 'email',
    },
    {
      name: "an admin's profile without an email",
      p: admin,
      body: {name: 'Eve'},
      field: 'email',
    },
    {
      name: 'an unknown role',
      p: admin,
      body: {...valid, role: 'root'},
      field: 'role',
      names: [...ROLES],
    },
  ];
  cases.forEach(c =>
    it(`names the field of ${c.name}, and says what is wrong in the contract's words`, () => {
      const errors = refusal(c.p, c.body);
      const found = errors.filter(e => e.field === c.field);
      expect(found, JSON.stringify(errors)).not.to.deep.equal([]);
      // Each of the field's errors: a value can break more than one rule.
      for (const error of found) {
        expect(error.message).to.be.a('string').with.length.above(0);
        expect(error.message).not.to.match(LIBRARY_WORDS);
        for (const word of c.names ?? [])
          expect(error.message).to.match(new RegExp(`\\b${word}\\b`));
      }
    }),
  );
});

describe('user contract: bounds at their edges', () => {
  it('tells an email too long from one that is not an email', () => {
    const message = (email: string) =>
      refusal(admin, {name: 'Eve', email}).find(e => e.field === 'email')!
        .message;
    expect(message(emailOf(255))).not.to.equal(message('eve'));
  });

  it('names the missing name, and a body that is not an object', () => {
    expect(
      refusal(admin, {email: 'eve@example.com'}).map(e => e.field),
    ).to.include('name');
    expect(refusal(dana, 'Dana').map(e => e.field)).to.deep.equal(['body']);
  });

  it('takes a name of up to 100 characters, trimmed', () => {
    expect(profileRequest(dana, {name: '  Dana  '}).profile.user.name).to.equal(
      'Dana',
    );
    expect(
      profileRequest(dana, {name: 'n'.repeat(100)}).profile.user.name,
    ).to.have.length(100);
  });

  it('takes an email of up to 254 characters, and each role', () => {
    expect(
      profileRequest(admin, {name: 'Eve', email: emailOf(254)}).profile.user
        .email,
    ).to.have.length(254);
    for (const role of ROLES)
      expect(
        profileRequest(admin, {name: 'Eve', email: 'eve@example.com', role})
          .profile.user.role,
      ).to.equal(role);
  });

  it("answers a missing profile (or another's) with user-not-found, naming the id", () => {
    const e = userNotFound('user-999');
    expect(e).to.include({status: 404, code: 'user-not-found'});
    expect(e.detail).to.contain('user-999');
  });
});
