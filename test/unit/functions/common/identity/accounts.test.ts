/**
 * End users' accounts read from Identity Toolkit's accounts:lookup: the
 * request (as the function's own account), the answer read, each kept a
 * bounded time and a bounded number, lookups in flight shared, and every
 * failure a 503 that nothing keeps.
 */
import {expect} from 'chai';
import {
  accountsFor,
  ToolkitAccounts,
  type Fetch,
  type ToolkitAccountsOptions,
} from '../../../../../functions/common/identity/accounts';
import {HttpError} from '../../../../../functions/common/protocol/problem';
import {ConfigError} from '../../../../../functions/common/platform/variables';
import {rejectionOf} from '../../../../fixtures/rejection';

interface Asked {
  url: string;
  init: RequestInit;
}

/** A fetch answering `answer(uid)` as JSON, each request recorded. */
function fakeToolkit(
  answer: (uid: string) => unknown = uid => ({
    kind: 'identitytoolkit#GetAccountInfoResponse',
    users: [{localId: uid, customAttributes: '{"role":"admin"}'}],
  }),
) {
  const asked: Asked[] = [];
  const fetch: Fetch = async (url, init) => {
    asked.push({url, init});
    const uid = (JSON.parse(String(init.body)) as {localId: string[]})
      .localId[0];
    return new Response(JSON.stringify(answer(uid)), {
      status: 200,
      headers: {'content-type': 'application/json'},
    });
  };
  return {fetch, asked};
}

function accounts(
  fetch: Fetch,
  options: Partial<ToolkitAccountsOptions> = {},
): ToolkitAccounts {
  return new ToolkitAccounts({
    projectId: 'proj-1',
    headers: async () => ({authorization: 'Bearer access-1'}),
    fetch,
    ...options,
  });
}

describe('ToolkitAccounts', () => {
  it("asks accounts:lookup of the project for the uid, as the function's account, and reads the answer", async () => {
    const {fetch, asked} = fakeToolkit(uid => ({
      users: [
        {
          localId: uid,
          email: 'a@example.com',
          disabled: true,
          validSince: '1700000000',
          customAttributes: '{"role":"admin","team":"x"}',
        },
      ],
    }));
    const account = await accounts(fetch, {
      baseUrl: 'http://toolkit.test/base/',
    }).account('uid-1');
    expect(account).to.deep.equal({
      disabled: true,
      validSince: 1700000000,
      claims: {role: 'admin', team: 'x'},
    });
    expect(asked).to.have.length(1);
    expect(asked[0].url).to.equal(
      'http://toolkit.test/base/v1/projects/proj-1/accounts:lookup',
    );
    expect(asked[0].init.method).to.equal('POST');
    expect(asked[0].init.headers).to.deep.include({
      authorization: 'Bearer access-1',
      'content-type': 'application/json',
    });
    expect(JSON.parse(String(asked[0].init.body))).to.deep.equal({
      localId: ['uid-1'],
    });
  });

  it("asks Identity Platform's own API by default, and reads an account without claims or revocation", async () => {
    const {fetch, asked} = fakeToolkit(uid => ({users: [{localId: uid}]}));
    expect(await accounts(fetch).account('uid-1')).to.deep.equal({
      disabled: false,
      claims: {},
    });
    expect(asked[0].url).to.equal(
      'https://identitytoolkit.googleapis.com/v1/projects/proj-1/accounts:lookup',
    );
  });

  it('reads an answer without users as no such account', async () => {
    const {fetch} = fakeToolkit(() => ({
      kind: 'identitytoolkit#GetAccountInfoResponse',
    }));
    expect(await accounts(fetch).account('gone')).to.equal(undefined);
  });

  it("keeps each uid's answer for maxAgeMs, not longer, absent ones included", async () => {
    let now = 1_000_000;
    const {fetch, asked} = fakeToolkit(uid =>
      uid === 'gone' ? {} : {users: [{localId: uid}]},
    );
    const source = accounts(fetch, {maxAgeMs: 30_000, now: () => now});
    await source.account('uid-1');
    await source.account('gone');
    now += 29_999;
    await source.account('uid-1');
    expect(await source.account('gone')).to.equal(undefined);
    expect(asked).to.have.length(2);
    now += 1;
    await source.account('uid-1');
    await source.account('gone');
    await source.account('uid-2');
    expect(asked).to.have.length(5);
  });

  it('keeps nothing with maxAgeMs 0: every call looks up, as firebase-admin does', async () => {
    const {fetch, asked} = fakeToolkit();
    const source = accounts(fetch, {maxAgeMs: 0});
    for (let i = 0; i < 3; i++) await source.account('uid-1');
    expect(asked).to.have.length(3);
  });

  it('shares a lookup in flight among the requests of one uid', async () => {
    const {fetch, asked} = fakeToolkit();
    let release!: () => void;
    const gate = new Promise<void>(r => (release = r));
    const source = accounts(async (url, init) => {
      await gate;
      return fetch(url, init);
    });
    const answers = Promise.all([1, 2, 3].map(() => source.account('uid-1')));
    await new Promise(setImmediate);
    release();
    expect(await answers).to.have.length(3);
    expect(asked).to.have.length(1);
  });

  it('keeps at most maxEntries uids, dropping the oldest first', async () => {
    const {fetch, asked} = fakeToolkit();
    const source = accounts(fetch, {maxEntries: 2});
    await source.account('a');
    await source.account('b');
    await source.account('c');
    expect(asked).to.have.length(3);
    await source.account('c');
    await source.account('b');
    expect(asked).to.have.length(3);
    await source.account('a');
    expect(asked).to.have.length(4);
  });

  const failures: {name: string; fetch: Fetch}[] = [
    {
      name: 'a network failure',
      fetch: () => Promise.reject(new Error('connect ECONNREFUSED')),
    },
    {
      name: 'a 500',
      fetch: async () => new Response('{"error":{}}', {status: 500}),
    },
    {
      name: 'a 403 (the role missing)',
      fetch: async () =>
        new Response('{"error":{"code":403,"status":"PERMISSION_DENIED"}}', {
          status: 403,
        }),
    },
    {
      name: 'an answer that is not JSON',
      fetch: async () => new Response('<html>', {status: 200}),
    },
    {
      name: 'users that is not a list',
      fetch: async () => Response.json({users: {localId: 'uid-1'}}),
    },
    {
      name: 'another account than asked for',
      fetch: async () => Response.json({users: [{localId: 'uid-2'}]}),
    },
    {
      name: 'two accounts',
      fetch: async () =>
        Response.json({users: [{localId: 'uid-1'}, {localId: 'uid-1'}]}),
    },
    {
      name: 'a validSince that is not whole seconds',
      fetch: async () =>
        Response.json({users: [{localId: 'uid-1', validSince: '1.5'}]}),
    },
    {
      name: 'customAttributes that are not JSON',
      fetch: async () =>
        Response.json({users: [{localId: 'uid-1', customAttributes: '{'}]}),
    },
    {
      name: 'customAttributes that are not an object',
      fetch: async () =>
        Response.json({
          users: [{localId: 'uid-1', customAttributes: '["admin"]'}],
        }),
    },
  ];
  failures.forEach(c =>
    it(`answers ${c.name} with a 503, kept for no one`, async () => {
      let calls = 0;
      const source = accounts((url, init) => {
        calls++;
        return c.fetch(url, init);
      });
      for (let i = 0; i < 2; i++) {
        const e = await rejectionOf(source.account('uid-1'), HttpError);
        expect(e).to.include({status: 503, code: 'credentials-unverifiable'});
        expect(e.cause).to.be.instanceOf(Error);
      }
      expect(calls).to.equal(2);
    }),
  );

  it('gives up on a lookup that takes longer than timeoutMs', async () => {
    const source = accounts(
      (_url, init) =>
        new Promise((_resolve, reject) =>
          init.signal!.addEventListener('abort', () =>
            reject(init.signal!.reason),
          ),
        ),
      {timeoutMs: 20},
    );
    const e = await rejectionOf(source.account('uid-1'), HttpError);
    expect(e.status).to.equal(503);
  });

  it('answers a failure to get its own access token with a 503 too', async () => {
    const {fetch, asked} = fakeToolkit();
    const source = accounts(fetch, {
      headers: () => Promise.reject(new Error('metadata server unreachable')),
    });
    const e = await rejectionOf(source.account('uid-1'), HttpError);
    expect(e.status).to.equal(503);
    expect(asked).to.have.length(0);
  });
});

describe('accountsFor', () => {
  it("reads the toolkit's URL and the bound from the environment", async () => {
    const {fetch, asked} = fakeToolkit();
    let now = 0;
    const source = accountsFor(
      'proj-2',
      {
        END_USER_TOOLKIT_URL:
          'http://127.0.0.1:9/identitytoolkit.googleapis.com/',
        END_USER_ACCOUNT_CACHE_S: '2',
      },
      {fetch, headers: async () => ({}), now: () => now},
    );
    await source.account('uid-1');
    now = 1999;
    await source.account('uid-1');
    expect(asked).to.have.length(1);
    now = 2000;
    await source.account('uid-1');
    expect(asked).to.have.length(2);
    expect(asked[0].url).to.equal(
      'http://127.0.0.1:9/identitytoolkit.googleapis.com/v1/projects/proj-2/accounts:lookup',
    );
  });

  it('keeps an answer 30 s by default', async () => {
    const {fetch, asked} = fakeToolkit();
    let now = 0;
    const source = accountsFor(
      'p',
      {},
      {fetch, headers: async () => ({}), now: () => now},
    );
    await source.account('uid-1');
    now = 29_999;
    await source.account('uid-1');
    expect(asked).to.have.length(1);
    now = 30_000;
    await source.account('uid-1');
    expect(asked).to.have.length(2);
    expect(asked[0].url).to.match(
      /^https:\/\/identitytoolkit\.googleapis\.com\//,
    );
  });

  const bad = [
    {END_USER_ACCOUNT_CACHE_S: '301'},
    {END_USER_ACCOUNT_CACHE_S: '-1'},
    {END_USER_ACCOUNT_CACHE_S: '1.5'},
    {END_USER_ACCOUNT_CACHE_S: 'soon'},
    {END_USER_TOOLKIT_URL: 'ftp://toolkit.test'},
  ];
  bad.forEach(env =>
    it(`refuses ${JSON.stringify(env)} at start, naming the variable`, () => {
      expect(() => accountsFor('p', env))
        .to.throw(ConfigError)
        .with.property('message')
        .that.contains(Object.keys(env)[0]);
    }),
  );
});
