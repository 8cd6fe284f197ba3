/**
 * What the console says of an end user: where the account came from, seed
 * or signed up (test.sh's throw-away users among the latter), and nothing
 * more than the uid and the admin claim besides; and the live list's "who"
 * built from it.
 */
import {expect} from 'chai';
import {endUserView, whoText} from '../../../local/console/end-users';

/** A uid as the local Identity Platform makes one at sign-up: 28 letters and digits. */
const SIGNED_UP = 'q8OBRRvkKegikbmm8XARZUa0NPdd';

describe('console end users', () => {
  const accounts: [string, 'seed' | 'signed up'][] = [
    ['user-001', 'seed'],
    ['user-003', 'seed'],
    [SIGNED_UP, 'signed up'],
    // Names of an object's own machinery are uids like any other.
    ['constructor', 'signed up'],
    ['__proto__', 'signed up'],
  ];
  accounts.forEach(([uid, account]) =>
    it(`says ${uid} is ${account === 'seed' ? 'a seed user' : 'signed up'}`, () => {
      for (const admin of [false, true])
        expect(endUserView(uid, admin)).to.deep.equal({uid, admin, account});
    }),
  );

  const who: [
    string,
    string | undefined,
    Parameters<typeof whoText>[1],
    string,
  ][] = [
    [
      'a seed user at the public gateway',
      'anonymous',
      endUserView('user-002', false),
      'user-002',
    ],
    [
      'a seed admin, passed on by a function',
      'gateway-fn@p',
      endUserView('user-001', true),
      'user-001 (admin) via gateway-fn@p',
    ],
    [
      'a signed-up user, passed on',
      'gateway-fn@p',
      endUserView(SIGNED_UP, false),
      `${SIGNED_UP} (signed up) via gateway-fn@p`,
    ],
    [
      'a signed-up admin',
      undefined,
      endUserView(SIGNED_UP, true),
      `${SIGNED_UP} (signed up, admin)`,
    ],
    [
      'nobody signed in, a function calling',
      'user-fn@p',
      'anonymous',
      'user-fn@p',
    ],
    ['nobody at all', undefined, undefined, 'anonymous'],
  ];
  who.forEach(([name, caller, endUser, text]) =>
    it(`says who: ${name}`, () => {
      expect(whoText(caller, endUser)).to.equal(text);
    }),
  );
});
