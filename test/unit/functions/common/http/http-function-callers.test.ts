/**
 * createHttpFunction's check of the caller, before anything else: which
 * header its token is read from (X-Serverless-Authorization first, as Cloud
 * Run reads it), unknown paths refused before routing, the end user's
 * token told apart from the caller's, and what the request line says of
 * the caller and of a refusal (never the token).
 */
import {expect} from 'chai';
import request from 'supertest';
import {own, PUBLIC} from '../../../../../functions/common/http/access';
import {
  createHttpFunction,
  type HttpFunctionOptions,
} from '../../../../../functions/common/http/http-function';
import {JsonLogger} from '../../../../../functions/common/telemetry/logger';
import {
  asEndUser,
  endUserCheck,
  idToken,
  UID,
} from '../../../../fixtures/signed-end-users';
import {frameworkServer} from '../../../../fixtures/functions';
import {callerCheck, callerToken} from '../../../../fixtures/internal-function';
import {GATEWAY, STRANGER, USER} from '../../../../fixtures/tokens';

const token = (email: string) => callerToken(email);
const bearer = (t: string) => `Bearer ${t}`;

function serve(options: Partial<HttpFunctionOptions> = {}) {
  const lines: Record<string, unknown>[] = [];
  const server = frameworkServer(
    createHttpFunction({
      service: 'test',
      projectId: 'p',
      requestTimeoutMs: 5000,
      logger: new JsonLogger('test', 'info', {
        add: line => lines.push(JSON.parse(line)),
      }),
      routes: [
        {
          method: 'GET',
          path: '/open',
          rule: PUBLIC,
          handler: async () => ({body: {open: true}}),
        },
        {
          method: 'GET',
          path: '/mine',
          rule: own('theirs'),
          handler: async (_req, ctx) => ({body: {principal: ctx.principal}}),
        },
      ],
      authenticate: callerCheck(),
      endUsers: endUserCheck(),
      ...options,
    }),
  );
  return {api: () => request(server), lines};
}

describe('createHttpFunction: the caller', () => {
  const cases: {
    name: string;
    path: string;
    headers: () => Record<string, string>;
    status: number;
    code?: string;
    /** The caller the line names. */
    caller: string;
  }[] = [
    {
      name: 'no token: 401 before routing, even on a public route',
      path: '/open',
      headers: () => ({}),
      status: 401,
      code: 'token-required',
      caller: 'anonymous',
    },
    {
      name: 'no token on a path that does not exist: 401, not 404',
      path: '/no/such/path',
      headers: () => ({}),
      status: 401,
      code: 'token-required',
      caller: 'anonymous',
    },
    {
      name: 'a token signed with another key',
      path: '/open',
      headers: () => ({
        Authorization: bearer(callerToken(GATEWAY, true)),
      }),
      status: 401,
      code: 'token-bad-signature',
      caller: 'anonymous',
    },
    {
      name: 'a caller not on the list',
      path: '/open',
      headers: () => ({Authorization: bearer(token(STRANGER))}),
      status: 403,
      code: 'caller-not-allowed',
      caller: 'anonymous',
    },
    {
      name: "the caller's token in Authorization",
      path: '/open',
      headers: () => ({Authorization: bearer(token(GATEWAY))}),
      status: 200,
      caller: GATEWAY,
    },
    {
      name: 'a known caller on a path that does not exist: 404',
      path: '/no/such/path',
      headers: () => ({Authorization: bearer(token(GATEWAY))}),
      status: 404,
      code: 'route-not-found',
      caller: GATEWAY,
    },
    {
      name: 'X-Serverless-Authorization read before Authorization: a stranger there is refused',
      path: '/open',
      headers: () => ({
        'X-Serverless-Authorization': bearer(token(STRANGER)),
        Authorization: bearer(token(GATEWAY)),
      }),
      status: 403,
      code: 'caller-not-allowed',
      caller: 'anonymous',
    },
    {
      name: 'X-Serverless-Authorization read before Authorization: the gateway there, an end user in Authorization',
      path: '/mine',
      headers: () => ({
        'X-Serverless-Authorization': bearer(token(GATEWAY)),
        ...asEndUser('bob'),
      }),
      status: 200,
      caller: GATEWAY,
    },
    {
      name: "the caller's own token in Authorization is not an end user's",
      path: '/mine',
      headers: () => ({Authorization: bearer(token(GATEWAY))}),
      status: 401,
      code: 'end-user-token-required',
      caller: GATEWAY,
    },
    {
      name: "an end user's token where the caller's belongs",
      path: '/open',
      headers: () => ({'X-Serverless-Authorization': bearer(idToken('bob'))}),
      status: 401,
      caller: 'anonymous',
    },
  ];
  cases.forEach(c =>
    it(`${c.name}: ${c.status}${c.code ? ` ${c.code}` : ''}`, async () => {
      const {api, lines} = serve();
      const headers = c.headers();
      const res = await api().get(c.path).set(headers);
      expect(res.status).to.equal(c.status);
      if (c.code !== undefined) expect(res.body.code).to.equal(c.code);
      if (c.status === 401)
        expect(res.headers['www-authenticate']).to.match(/^Bearer\b/);
      expect(lines).to.have.length(1);
      const [line] = lines;
      expect(line.caller).to.equal(c.caller);
      // A refused caller's line says why, in the words the caller got.
      const refused = c.caller === 'anonymous';
      expect(line.auth).to.deep.equal(
        refused
          ? {check: 'verify', refused: res.body.detail}
          : {check: 'verify'},
      );
      if (refused)
        expect(res.body.detail).to.be.a('string').with.length.above(0);
      // Never a token, in any header's words.
      for (const value of Object.values(headers))
        expect(JSON.stringify(line)).not.to.contain(value.split('.')[2]);
    }),
  );

  it('acts for the end user in Authorization once the caller is known', async () => {
    const res = await serve()
      .api()
      .get('/mine')
      .set('X-Serverless-Authorization', bearer(token(USER)))
      .set(asEndUser('bob'));
    expect(res.body.principal).to.deep.include({
      kind: 'end-user',
      uid: UID.bob,
      admin: false,
    });
  });

  it("logs how the caller's token was checked: verified here, by the platform, or not at all", async () => {
    const platform = serve({authCheck: 'platform'});
    await platform
      .api()
      .get('/open')
      .set('Authorization', bearer(token(GATEWAY)));
    expect(platform.lines[0].auth).to.deep.equal({check: 'platform'});
    const nobody = serve({authenticate: undefined, authCheck: 'platform'});
    await nobody.api().get('/open');
    expect(nobody.lines[0]).to.deep.include({
      caller: 'anonymous',
      auth: {check: 'none'},
    });
  });

  it("takes the end user's token from Authorization where no caller is checked (the gateway)", async () => {
    const {api} = serve({authenticate: undefined});
    const res = await api().get('/mine').set(asEndUser('alice'));
    expect(res.status).to.equal(200);
    expect(res.body.principal).to.deep.include({uid: UID.alice, admin: true});
  });
});
