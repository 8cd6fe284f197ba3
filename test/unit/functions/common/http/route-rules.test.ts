/**
 * Where the end user's account is checked (route-rules.ts checkEndUser):
 * on admin routes only, once per request, and what the client gets when
 * it cannot be: a 503 problem, never the route.
 */
import {expect} from 'chai';
import request from 'supertest';
import {
  ADMIN,
  OWN_ID,
  PUBLIC,
} from '../../../../../functions/common/http/access';
import {createHttpFunction} from '../../../../../functions/common/http/http-function';
import {JsonLogger} from '../../../../../functions/common/telemetry/logger';
import {HttpError} from '../../../../../functions/common/protocol/problem';
import {frameworkServer} from '../../../../fixtures/functions';

describe('checkEndUser: the account checked on admin routes only', () => {
  /** What each call of the end-user check was asked: whether to check the account. */
  const checks: (boolean | undefined)[] = [];
  let lookupFails = false;
  let handled = 0;
  const server = frameworkServer(
    createHttpFunction({
      service: 'test',
      projectId: 'p',
      requestTimeoutMs: 5000,
      logger: new JsonLogger('test', 'silent'),
      routes: (
        [
          ['/open', PUBLIC],
          ['/mine', OWN_ID],
          ['/admin', ADMIN],
        ] as const
      ).map(([path, rule]) => ({
        method: 'GET' as const,
        path,
        rule,
        handler: async () => {
          handled++;
          return {body: {ok: true}};
        },
      })),
      // Stands in for the verifier: an admin whose account check fails on demand.
      endUsers: async (_header, checkRevoked) => {
        checks.push(checkRevoked);
        if (checkRevoked === true && lookupFails)
          throw new HttpError(
            503,
            'credentials-unverifiable',
            'Credentials cannot be verified right now.',
          );
        return {uid: 'alice', admin: true, emailVerified: true};
      },
    }),
  );
  const get = (path: string) =>
    request(server).get(path).set('Authorization', 'Bearer a.b.c');

  beforeEach(() => {
    checks.length = 0;
    lookupFails = false;
    handled = 0;
  });

  const cases: {path: string; checks: (boolean | undefined)[]}[] = [
    {path: '/open', checks: []},
    {path: '/mine', checks: [false]},
    {path: '/admin', checks: [true]},
  ];
  cases.forEach(c =>
    it(`asks for the account check on ${c.path}: ${JSON.stringify(c.checks)}`, async () => {
      expect((await get(c.path)).status).to.equal(200);
      expect(checks).to.deep.equal(c.checks);
    }),
  );

  it('answers an admin route whose account cannot be checked with a 503 problem, and runs no handler', async () => {
    lookupFails = true;
    const res = await get('/admin');
    expect(res.status).to.equal(503);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body).to.include({code: 'credentials-unverifiable'});
    expect(handled).to.equal(0);
    // The other routes never ask, so they do not fail with it.
    expect((await get('/mine')).status).to.equal(200);
  });
});
