/**
 * Whose a request's id is: the first hop (a function anyone may call)
 * issues it for every request, whatever X-Request-Id a client sends, which
 * its line keeps apart as `clientRequestId`; a function that takes calls
 * only from listed callers keeps the id its authenticated caller passes on,
 * so one request has one id at every hop.
 */
import {expect} from 'chai';
import request from 'supertest';
import {PUBLIC} from '../../../../../functions/common/http/access';
import {MAX_BODY_BYTES} from '../../../../../functions/common/http/framework';
import {createHttpFunction} from '../../../../../functions/common/http/http-function';
import {JsonLogger} from '../../../../../functions/common/telemetry/logger';
import {HttpError} from '../../../../../functions/common/protocol/problem';
import {waitFor} from '../../../../../local/processes';
import {frameworkServer} from '../../../../fixtures/functions';

type Line = Record<string, unknown>;

/** A function that answers `/ok`, its request lines kept in `lines`. */
function serve(options: {entry: boolean; authenticate?: boolean}) {
  const lines: Line[] = [];
  const server = frameworkServer(
    createHttpFunction({
      service: 'test',
      projectId: 'p',
      requestTimeoutMs: 15_000,
      endUsers: 'off',
      entry: options.entry,
      logger: new JsonLogger('test', 'info', {
        add: line => lines.push(JSON.parse(line) as Line),
      }),
      authenticate: options.authenticate
        ? async authorization => {
            if (authorization !== 'Bearer caller')
              throw new HttpError(401, 'unauthenticated', 'No token.');
            return 'caller@example.com';
          }
        : undefined,
      routes: [
        {
          method: 'POST',
          path: '/ok',
          rule: PUBLIC,
          handler: async () => ({body: {ok: true}}),
        },
        {
          method: 'GET',
          path: '/ok',
          rule: PUBLIC,
          handler: async () => ({body: {ok: true}}),
        },
      ],
    }),
  );
  return {
    api: () => request(server),
    /** The request lines, once there are `count` of them. */
    lines: async (count: number) => {
      await waitFor(
        'the request lines',
        async () => lines.length >= count,
        5000,
        undefined,
        5,
      );
      return lines;
    },
  };
}

const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/;

describe('createHttpFunction: request ids', () => {
  describe('at the first hop (anyone may call)', () => {
    it('issues its own id, keeping a client’s X-Request-Id apart as clientRequestId', async () => {
      const fn = serve({entry: true});
      const res = await fn.api().get('/ok').set('X-Request-Id', 'chosen-1');
      expect(res.status).to.equal(200);
      const id = res.headers['x-request-id'] as string;
      expect(id).to.match(UUID);
      const lines = await fn.lines(1);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.include({
        requestId: id,
        clientRequestId: 'chosen-1',
      });
    });

    it('gives two requests that send the same id two ids', async () => {
      const fn = serve({entry: true});
      const ids = [];
      for (let i = 0; i < 2; i++)
        ids.push(
          (await fn.api().get('/ok').set('X-Request-Id', 'same')).headers[
            'x-request-id'
          ],
        );
      expect(ids[0]).not.to.equal(ids[1]);
      const lines = await fn.lines(2);
      expect(lines.map(l => l.requestId)).to.deep.equal(ids);
      expect(lines.map(l => l.clientRequestId)).to.deep.equal(['same', 'same']);
    });

    it('keeps no malformed client id, not even as the client’s', async () => {
      const fn = serve({entry: true});
      for (const bad of ['bad id', 'x'.repeat(129), '{"severity":"ERROR"}'])
        await fn.api().get('/ok').set('X-Request-Id', bad);
      await fn.api().get('/ok');
      const lines = await fn.lines(4);
      expect(lines).to.have.length(4);
      for (const line of lines) {
        expect(line.requestId).to.match(UUID);
        expect(line).not.to.have.property('clientRequestId');
      }
    });

    it('answers a problem under its own id, not the client’s', async () => {
      const fn = serve({entry: true});
      const res = await fn
        .api()
        .get('/missing')
        .set('X-Request-Id', 'chosen-2');
      expect(res.status).to.equal(404);
      expect(res.body.requestId).to.equal(res.headers['x-request-id']);
      expect(res.body.requestId).to.match(UUID);
      expect((await fn.lines(1))[0]).to.include({
        requestId: res.body.requestId,
        clientRequestId: 'chosen-2',
      });
    });

    it('answers a body refused before the function runs under an id of its own', async () => {
      const fn = serve({entry: true});
      const res = await fn
        .api()
        .post('/ok')
        .set('X-Request-Id', 'chosen-3')
        .set('Content-Type', 'application/json')
        .send(`"${'x'.repeat(MAX_BODY_BYTES)}"`);
      expect(res.status).to.equal(413);
      expect(res.body.requestId).to.equal(res.headers['x-request-id']);
      expect(res.body.requestId).to.match(UUID);
    });
  });

  describe('at an internal function (listed callers only)', () => {
    it('keeps the id its authenticated caller passes on', async () => {
      const fn = serve({entry: false, authenticate: true});
      const res = await fn
        .api()
        .get('/ok')
        .set('Authorization', 'Bearer caller')
        .set('X-Request-Id', 'gateway-id-1');
      expect(res.status).to.equal(200);
      expect(res.headers['x-request-id']).to.equal('gateway-id-1');
      const [line] = await fn.lines(1);
      expect(line).to.include({requestId: 'gateway-id-1'});
      expect(line).not.to.have.property('clientRequestId');
    });

    it('issues its own id when the caller cannot be authenticated, keeping the one sent as the client’s', async () => {
      const fn = serve({entry: false, authenticate: true});
      const res = await fn.api().get('/ok').set('X-Request-Id', 'forged-1');
      expect(res.status).to.equal(401);
      expect(res.headers['x-request-id']).to.match(UUID);
      expect(res.body.requestId).to.equal(res.headers['x-request-id']);
      expect((await fn.lines(1))[0]).to.include({
        requestId: res.headers['x-request-id'],
        clientRequestId: 'forged-1',
      });
    });
  });
});
