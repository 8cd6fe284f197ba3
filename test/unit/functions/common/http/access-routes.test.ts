/**
 * Each route's rule held before its handler runs, the owner a path names
 * included: what each end user is answered, and what the log says of who
 * and why.
 */
import {expect} from 'chai';
import {
  ADMIN,
  own,
  ownId,
  PUBLIC,
} from '../../../../../functions/common/http/access';
import type {AccessDecision} from '../../../../../functions/common/http/principal';
import {
  NotFoundError,
  UnauthorizedError,
} from '../../../../../functions/common/protocol/problem';
import {createHttpFunction} from '../../../../../functions/common/http/http-function';
import {JsonLogger} from '../../../../../functions/common/telemetry/logger';
import request from 'supertest';
import {frameworkServer} from '../../../../fixtures/functions';

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
