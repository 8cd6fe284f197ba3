/**
 * The local Identity Platform over real HTTP, as a client app and an admin
 * use Identity Toolkit's REST API: sign-up, sign-in, custom claims through
 * the admin API, deletion, revocation and disabling, the account lookups
 * admin routes make, and Identity Toolkit's own error answers. Its tokens
 * are checked with the functions' own end-user verifier, its lookups read
 * with the functions' own client.
 */
import {expect} from 'chai';
import {ToolkitAccounts} from '../../../functions/common/identity/accounts';
import {EndUserVerifier} from '../../../functions/common/identity/end-user';
import {IdentityServer, type EndUserInfo} from '../../../local/identity-server';

const SEED = [
  {
    email: 'alice@example.com',
    password: 'alice-pw',
    uid: 'user-001',
    claims: {role: 'admin'},
  },
];

describe('the local Identity Platform (Identity Toolkit REST)', () => {
  const identity = new IdentityServer({}, 'toolkit-test', SEED);
  let info: EndUserInfo;
  before(async () => {
    info = (await identity.start()).endUsers;
  });
  after(() => identity.stop());

  const post = async (
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${info.identityToolkit}${path}`, {
      method: 'POST',
      headers: {'Content-Type': 'application/json', ...headers},
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return {status: res.status, body: (await res.json()) as any};
  };
  const signIn = (email: string, password: string, key = info.apiKey) =>
    post(`/v1/accounts:signInWithPassword?key=${key}`, {
      email,
      password,
      returnSecureToken: true,
    });
  const admin = {Authorization: `Bearer ${identity.toolkit.adminToken}`};
  const verifier = () =>
    new EndUserVerifier({
      issuer: info.issuer,
      audience: info.audience,
      certsUrl: info.certsUrl,
    });

  it('signs a seed user in with a token the functions accept, admin claim included', async () => {
    const res = await signIn('alice@example.com', 'alice-pw');
    expect(res.status).to.equal(200);
    expect(res.body).to.include({
      localId: 'user-001',
      email: 'alice@example.com',
      expiresIn: '3600',
    });
    expect(res.body.refreshToken).to.be.a('string');
    expect(
      await verifier().authenticate(`Bearer ${res.body.idToken}`),
    ).to.deep.equal({
      uid: 'user-001',
      admin: true,
      email: 'alice@example.com',
      emailVerified: true,
    });
    expect(info.issuer).to.equal('https://securetoken.google.com/toolkit-test');
    expect(info.audience).to.equal('toolkit-test');
  });

  it('signs a new user up, with a uid as Identity Platform makes them, and refuses the same email twice', async () => {
    const up = await post(`/v1/accounts:signUp?key=${info.apiKey}`, {
      email: 'New@Example.com',
      password: 'secret-1',
      returnSecureToken: true,
    });
    expect(up.status).to.equal(200);
    expect(up.body.localId).to.match(/^[A-Za-z0-9]{28}$/);
    expect(up.body.email).to.equal('new@example.com');
    const user = await verifier().authenticate(`Bearer ${up.body.idToken}`);
    // Anyone may sign up with any address: it is not proven yet.
    expect(user).to.deep.include({
      uid: up.body.localId,
      admin: false,
      emailVerified: false,
    });
    const again = await post(`/v1/accounts:signUp?key=${info.apiKey}`, {
      email: 'new@example.com',
      password: 'secret-2',
    });
    expect(again.status).to.equal(400);
    expect(again.body.error.message).to.equal('EMAIL_EXISTS');
  });

  const errors: {
    name: string;
    send: () => ReturnType<typeof post>;
    message: string;
  }[] = [
    {
      name: 'a wrong password',
      send: () => signIn('alice@example.com', 'nope'),
      message: 'INVALID_LOGIN_CREDENTIALS',
    },
    {
      name: 'an unknown email (the same answer)',
      send: () => signIn('nobody@example.com', 'alice-pw'),
      message: 'INVALID_LOGIN_CREDENTIALS',
    },
    {
      name: 'a wrong API key',
      send: () => signIn('alice@example.com', 'alice-pw', 'wrong'),
      message: 'API key not valid. Please pass a valid API key.',
    },
    {
      name: 'no email',
      send: () =>
        post(`/v1/accounts:signUp?key=${info.apiKey}`, {password: 'x'}),
      message: 'MISSING_EMAIL',
    },
    {
      name: 'a short password',
      send: () =>
        post(`/v1/accounts:signUp?key=${info.apiKey}`, {
          email: 'short@example.com',
          password: 'abc',
        }),
      message: 'WEAK_PASSWORD : Password should be at least 6 characters',
    },
    {
      name: 'a body that is not JSON',
      send: () => post(`/v1/accounts:signUp?key=${info.apiKey}`, '{'),
      message: 'Invalid JSON payload received.',
    },
  ];
  errors.forEach(c =>
    it(`answers ${c.name} as Identity Toolkit does`, async () => {
      const res = await c.send();
      expect(res.status).to.equal(400);
      expect(res.body.error).to.include({code: 400, message: c.message});
      expect(JSON.stringify(res.body)).not.to.match(/eyJ/);
    }),
  );

  it('marks an address verified only through the admin API, and the next token says so', async () => {
    const up = await post(`/v1/accounts:signUp?key=${info.apiKey}`, {
      email: 'erin@example.com',
      password: 'erin-pw',
    });
    const verify = (headers: Record<string, string>, value: unknown) =>
      post(
        '/v1/accounts:update',
        {localId: up.body.localId, emailVerified: value},
        headers,
      );
    const verified = async () =>
      (
        await verifier().authenticate(
          `Bearer ${(await signIn('erin@example.com', 'erin-pw')).body.idToken}`,
        )
      ).emailVerified;
    expect(await verified()).to.equal(false);
    expect((await verify({}, true)).status).to.equal(401);
    expect(await verified()).to.equal(false);
    expect((await verify(admin, 'yes')).status).to.equal(400);
    const done = await verify(admin, true);
    expect(done.status).to.equal(200);
    expect(done.body).to.include({emailVerified: true});
    expect(await verified()).to.equal(true);
  });

  it('sets custom claims only through the admin API, with the admin token', async () => {
    const up = await post(`/v1/accounts:signUp?key=${info.apiKey}`, {
      email: 'dana@example.com',
      password: 'dana-pw',
    });
    const update = (headers: Record<string, string>, attributes: string) =>
      post(
        '/v1/projects/toolkit-test/accounts:update',
        {localId: up.body.localId, customAttributes: attributes},
        headers,
      );
    expect((await update({}, '{"role":"admin"}')).status).to.equal(401);
    expect(
      (await update({Authorization: 'Bearer guess'}, '{"role":"admin"}'))
        .status,
    ).to.equal(401);
    expect(
      (await update(admin, '{"sub":"user-001"}')).body.error.message,
    ).to.equal('FORBIDDEN_CLAIM : sub');
    expect((await update(admin, '{"role":"admin"}')).status).to.equal(200);
    const signedIn = await signIn('dana@example.com', 'dana-pw');
    expect(
      (await verifier().authenticate(`Bearer ${signedIn.body.idToken}`)).admin,
    ).to.equal(true);
    // Another project's path is not this one's.
    expect(
      (
        await post(
          '/v1/projects/other/accounts:update',
          {localId: up.body.localId},
          admin,
        )
      ).status,
    ).to.equal(404);
  });

  it('deletes an account through the admin API, after which it cannot sign in', async () => {
    await post(`/v1/accounts:signUp?key=${info.apiKey}`, {
      email: 'erin@example.com',
      password: 'erin-pw',
    });
    const erin = await signIn('erin@example.com', 'erin-pw');
    const del = await post(
      '/v1/accounts:delete',
      {localId: erin.body.localId},
      admin,
    );
    expect(del.body).to.deep.equal({
      kind: 'identitytoolkit#DeleteAccountResponse',
    });
    expect((await signIn('erin@example.com', 'erin-pw')).status).to.equal(400);
  });

  it('answers accounts:lookup with the account as it is now: claims, revocation, disabling, deletion', async () => {
    const up = await post(`/v1/accounts:signUp?key=${info.apiKey}`, {
      email: 'fred@example.com',
      password: 'fred-pw',
    });
    const uid: string = up.body.localId;
    const lookup = async () => {
      const res = await post(
        '/v1/projects/toolkit-test/accounts:lookup',
        {localId: [uid, 'nobody']},
        admin,
      );
      expect(res.status).to.equal(200);
      return res.body;
    };
    const update = async (body: Record<string, unknown>) =>
      post(
        '/v1/projects/toolkit-test/accounts:update',
        {localId: uid, ...body},
        admin,
      );
    const before = identity.toolkit.lookups;
    expect((await lookup()).users).to.deep.equal([
      {localId: uid, email: 'fred@example.com', emailVerified: false},
    ]);
    expect(identity.toolkit.lookups).to.equal(before + 1);
    expect(
      (
        await update({
          customAttributes: '{"role":"admin"}',
          validSince: '1700000000',
        })
      ).status,
    ).to.equal(200);
    expect((await lookup()).users[0]).to.include({
      customAttributes: '{"role":"admin"}',
      validSince: '1700000000',
    });
    expect((await update({disableUser: true})).status).to.equal(200);
    expect((await lookup()).users[0]).to.include({disabled: true});
    // A disabled account cannot sign in, as on Identity Platform.
    const refused = await signIn('fred@example.com', 'fred-pw');
    expect(refused.status).to.equal(400);
    expect(refused.body.error.message).to.equal('USER_DISABLED');
    expect((await update({disableUser: false})).status).to.equal(200);
    expect((await signIn('fred@example.com', 'fred-pw')).status).to.equal(200);
    expect((await lookup()).users[0]).not.to.have.property('disabled');
    await post('/v1/accounts:delete', {localId: uid}, admin);
    expect(await lookup()).to.deep.equal({
      kind: 'identitytoolkit#GetAccountInfoResponse',
    });
  });

  const badUpdates: {name: string; body: Record<string, unknown>}[] = [
    {
      name: 'a validSince that is not whole seconds',
      body: {validSince: 'soon'},
    },
    {name: 'a negative validSince', body: {validSince: '-5'}},
    {name: 'a disableUser that is not a boolean', body: {disableUser: 'yes'}},
    {
      name: 'a good disableUser beside a bad validSince',
      body: {disableUser: true, validSince: 'soon'},
    },
  ];
  badUpdates.forEach(c =>
    it(`refuses ${c.name} in accounts:update, changing nothing`, async () => {
      const res = await post(
        '/v1/accounts:update',
        {localId: 'user-001', ...c.body},
        admin,
      );
      expect(res.status).to.equal(400);
      expect((await signIn('alice@example.com', 'alice-pw')).status).to.equal(
        200,
      );
    }),
  );

  it('reads accounts for a reader (a function’s access token), which may change none; nobody else reads', async () => {
    const reader = {Authorization: `Bearer ${identity.toolkit.addReader()}`};
    const body = {localId: ['user-001']};
    expect(
      (await post('/v1/projects/toolkit-test/accounts:lookup', body)).status,
    ).to.equal(401);
    expect(
      (
        await post('/v1/projects/toolkit-test/accounts:lookup', body, {
          Authorization: 'Bearer guess',
        })
      ).status,
    ).to.equal(401);
    const read = await post(
      '/v1/projects/toolkit-test/accounts:lookup',
      body,
      reader,
    );
    expect(read.status).to.equal(200);
    expect(read.body.users[0]).to.include({localId: 'user-001'});
    const write = await post(
      '/v1/projects/toolkit-test/accounts:update',
      {localId: 'user-001', customAttributes: '{}'},
      reader,
    );
    expect(write.status).to.equal(403);
    expect(write.body.error.status).to.equal('PERMISSION_DENIED');
    expect(
      (await post('/v1/accounts:delete', {localId: 'user-001'}, reader)).status,
    ).to.equal(403);
    expect(
      (
        await post(
          '/v1/projects/toolkit-test/accounts:lookup',
          {localId: 'user-001'},
          reader,
        )
      ).status,
    ).to.equal(400);
  });

  it("answers the functions' own client as Identity Toolkit would", async () => {
    const reader = `Bearer ${identity.toolkit.addReader()}`;
    const accounts = new ToolkitAccounts({
      projectId: 'toolkit-test',
      baseUrl: info.identityToolkit,
      headers: async () => ({authorization: reader}),
      maxAgeMs: 0,
    });
    expect(await accounts.account('user-001')).to.deep.equal({
      disabled: false,
      claims: {role: 'admin'},
    });
    expect(await accounts.account('no-such-uid')).to.equal(undefined);
  });

  it('publishes its keys at the certs URL, apart from the service accounts’ keys', async () => {
    const res = await fetch(info.certsUrl);
    expect(res.headers.get('cache-control')).to.match(/max-age=\d+/);
    const certs = (await res.json()) as Record<string, string>;
    expect(Object.keys(certs)).to.deep.equal([identity.toolkit.signer.keyId]);
    expect(Object.keys(certs)).not.to.include(identity.signer.keyId);
  });
});
