import {setEndUser} from '../../../../functions/common/context';
import {expect} from 'chai';
import {z} from 'zod';
import {DownstreamError, toProblem} from '../../../../functions/common/problem';
import {ServiceClient} from '../../../../functions/common/service-client';
import {recordingTracing, testContext} from '../../../fixtures/context';
import {rejectionOf} from '../../../fixtures/rejection';
import {freePort} from '../../../../local/processes';
import {json, recordingServer} from '../../../fixtures/http-server';

/** These tests are about the transport: any answer body passes. */
const ANY = z.unknown();

const tokens = {
  authorization: async (aud: string) => `Bearer token-for-${aud}`,
};
const noSleep = async () => undefined;

function client(
  baseUrl: string,
  overrides: Partial<ConstructorParameters<typeof ServiceClient>[0]> = {},
) {
  return new ServiceClient({
    service: 'order',
    baseUrl,
    tokens,
    timeoutMs: 2000,
    retries: 2,
    sleep: noSleep,
    ...overrides,
  });
}

const failure = (promise: Promise<unknown>) =>
  rejectionOf(promise, DownstreamError);

describe('ServiceClient', () => {
  it("answers with the callee's answer as its contract parses it, and a 502 naming the callee when the contract refuses it", async () => {
    const answer = z.object({service: z.literal('order'), count: z.number()});
    const srv = await recordingServer((req, res) =>
      req.url === '/good'
        ? json(res, 200, {service: 'order', count: 2, extra: 'dropped'})
        : json(res, 200, {service: 'order', count: '2'}),
    );
    const good = await client(srv.url).call(
      testContext(),
      {method: 'GET', path: ['good']},
      answer,
    );
    // Only what the contract names reaches the caller.
    expect(good.data).to.deep.equal({service: 'order', count: 2});
    const e = await failure(
      client(srv.url).call(
        testContext(),
        {method: 'GET', path: ['bad']},
        answer,
      ),
    );
    await srv.close();
    expect(e).to.include({service: 'order', failure: 'malformed', status: 200});
    const {problem} = toProblem(e);
    expect(problem).to.include({status: 502, code: 'service-malformed-answer'});
    expect(problem.detail).to.contain('order');
    // Not tried again: the same callee would answer the same.
    expect(srv.requests).to.have.length(2);
  });

  it("sends the token for the base URL where Cloud Run looks for it, the end user's token as it came, the request id, its span of the trace and the remaining budget", async () => {
    const srv = await recordingServer((_req, res) =>
      json(res, 200, {ok: true}),
    );
    const tracing = recordingTracing();
    const ctx = testContext({}, tracing);
    setEndUser(
      ctx,
      {kind: 'end-user', uid: 'u1', admin: false, emailVerified: true},
      'Bearer end-user-token',
    );
    const reply = await client(srv.url).call(
      ctx,
      {
        method: 'GET',
        path: ['orders'],
        query: {status: 'pending', cursor: undefined},
      },
      ANY,
    );
    await srv.close();
    expect(reply).to.include({status: 200});
    expect(reply.data).to.deep.equal({ok: true});
    const [req] = srv.requests;
    expect(req.url).to.equal('/orders?status=pending');
    expect(req.headers['x-serverless-authorization']).to.equal(
      `Bearer token-for-${srv.url}`,
    );
    expect(req.headers.authorization).to.equal('Bearer end-user-token');
    expect(req.headers['x-request-id']).to.equal('req-test');
    // The call is a child span of the request: same trace, its own span id,
    // which the callee takes as its parent.
    // The call is a span of the request (this token source fetches nothing).
    const spans = tracing.exporter.getFinishedSpans();
    expect(spans.map(s => s.name)).to.deep.equal(['GET order /orders']);
    const [span] = spans;
    const {traceId, spanId} = ctx.span.spanContext();
    expect(req.headers.traceparent).to.equal(
      `00-${traceId}-${span.spanContext().spanId}-01`,
    );
    expect(span.parentSpanContext?.spanId).to.equal(spanId);
    expect(span.attributes).to.include({
      'http.request.method': 'GET',
      'http.response.status_code': 200,
    });
    expect(span.attributes).not.to.have.property('error.type');
    expect(span.spanContext().spanId).not.to.equal(spanId);
    // Nothing of the tokens or the end user in it.
    expect(JSON.stringify(span.attributes)).not.to.match(/Bearer|token|u1/);
    // The request has 10 s left, but this call waits 2 s at most: so does the callee.
    expect(Number(req.headers['x-request-budget-ms'])).to.be.within(1, 2000);
  });

  it('gives the callee what is left of the request when that is less than the call timeout', async () => {
    const srv = await recordingServer((_req, res) => json(res, 200, {}));
    await client(srv.url).call(
      testContext({deadline: Date.now() + 500}),
      {
        method: 'GET',
        path: ['x'],
      },
      ANY,
    );
    await srv.close();
    expect(Number(srv.requests[0].headers['x-request-budget-ms'])).to.be.within(
      1,
      500,
    );
  });

  it('encodes each path segment so an id cannot reach another route', async () => {
    const srv = await recordingServer((_req, res) => json(res, 200, {}));
    await client(srv.url).call(
      testContext(),
      {
        method: 'GET',
        path: ['users', '../orders', 'a/b?c'],
      },
      ANY,
    );
    await srv.close();
    expect(srv.requests[0].url).to.equal('/users/..%2Forders/a%2Fb%3Fc');
  });

  it('retries an idempotent call on 503 and returns the later answer', async () => {
    const srv = await recordingServer((_req, res, n) =>
      n < 3 ? json(res, 503, {detail: 'busy'}) : json(res, 200, {n}),
    );
    const reply = await client(srv.url).call(
      testContext(),
      {
        method: 'GET',
        path: ['x'],
      },
      ANY,
    );
    await srv.close();
    expect(reply.data).to.deep.equal({n: 3});
  });

  it('does not retry a POST without an Idempotency-Key', async () => {
    const srv = await recordingServer((_req, res) => json(res, 502, {}));
    const error = await failure(
      client(srv.url).call(
        testContext(),
        {
          method: 'POST',
          path: ['orders'],
          body: {a: 1},
        },
        ANY,
      ),
    );
    await srv.close();
    expect(srv.requests).to.have.length(1);
    expect(error.failure).to.equal('failed');
  });

  it('retries a POST that carries an Idempotency-Key, with the same key and body', async () => {
    const srv = await recordingServer((_req, res, n) =>
      n === 1 ? json(res, 504, {}) : json(res, 201, {id: 'o1'}),
    );
    const reply = await client(srv.url).call(
      testContext(),
      {
        method: 'POST',
        path: ['orders'],
        body: {a: 1},
        headers: {'idempotency-key': 'k1'},
      },
      ANY,
    );
    await srv.close();
    expect(reply.status).to.equal(201);
    expect(
      srv.requests.map(r => [r.headers['idempotency-key'], r.body]),
    ).to.deep.equal([
      ['k1', '{"a":1}'],
      ['k1', '{"a":1}'],
    ]);
  });

  it('retries a 429 (no instance took it) even for a POST, waiting as Retry-After says', async () => {
    const srv = await recordingServer((_req, res, n) => {
      if (n === 1) {
        res.writeHead(429, {'Content-Type': 'text/html', 'Retry-After': '2'});
        res.end('<html>429</html>');
      } else json(res, 201, {id: 'o1'});
    });
    const waits: number[] = [];
    const reply = await client(srv.url, {
      sleep: async ms => void waits.push(ms),
    }).call(
      testContext(),
      {method: 'POST', path: ['orders'], body: {a: 1}},
      ANY,
    );
    await srv.close();
    expect(reply.status).to.equal(201);
    expect(srv.requests).to.have.length(2);
    expect(waits).to.have.length(1);
    expect(waits[0]).to.equal(2000);
  });

  it('reports a callee still full after its retries as unavailable: a 503 to its caller, not a 502', async () => {
    const srv = await recordingServer((_req, res) => {
      res.writeHead(429, {'Content-Type': 'text/html'});
      res.end('<html>429</html>');
    });
    const error = await failure(
      client(srv.url).call(
        testContext(),
        {method: 'GET', path: ['orders']},
        ANY,
      ),
    );
    await srv.close();
    expect(srv.requests).to.have.length(3);
    expect(error.failure).to.equal('unavailable');
    expect(toProblem(error).problem).to.include({
      status: 503,
      code: 'service-unavailable',
    });
  });

  it('gives up at once when Retry-After would outlast the request', async () => {
    const srv = await recordingServer((_req, res) => {
      res.writeHead(429, {'Retry-After': '60'});
      res.end();
    });
    const waits: number[] = [];
    const error = await failure(
      client(srv.url, {sleep: async ms => void waits.push(ms)}).call(
        testContext(),
        {method: 'GET', path: ['orders']},
        ANY,
      ),
    );
    await srv.close();
    expect(srv.requests).to.have.length(1);
    expect(waits).to.deep.equal([]);
    expect(error.failure).to.equal('unavailable');
  });

  it('does not retry a client error, and keeps its problem code and detail', async () => {
    const srv = await recordingServer((_req, res) =>
      json(
        res,
        404,
        {
          code: 'order-not-found',
          detail: 'Order o1 not found.',
          errors: [{field: 'id', message: 'x'}],
        },
        'application/problem+json',
      ),
    );
    const error = await failure(
      client(srv.url).call(
        testContext(),
        {
          method: 'GET',
          path: ['orders', 'o1'],
        },
        ANY,
      ),
    );
    await srv.close();
    expect(srv.requests).to.have.length(1);
    expect(error).to.include({failure: 'rejected', status: 404});
    expect(error.problem).to.deep.equal({
      code: 'order-not-found',
      detail: 'Order o1 not found.',
      errors: [{field: 'id', message: 'x'}],
    });
  });

  const statusCases: {
    name: string;
    status: number;
    body: unknown;
    failure: string;
  }[] = [
    {
      name: "a refusal of our own identity (401) is a failure, not the client's fault",
      status: 401,
      body: {detail: 'no'},
      failure: 'failed',
    },
    {
      name: 'a 403 from ingress (an HTML page) is a failure',
      status: 403,
      body: '<html>',
      failure: 'failed',
    },
    {
      name: 'a 500 is a failure',
      status: 500,
      body: {detail: 'boom'},
      failure: 'failed',
    },
    {
      name: 'a 4xx that is not our problem document is a failure',
      status: 400,
      body: 'nope',
      failure: 'failed',
    },
    {
      name: 'a 503 is unavailable',
      status: 503,
      body: {},
      failure: 'unavailable',
    },
    {name: 'a 504 is a timeout', status: 504, body: {}, failure: 'timeout'},
  ];
  statusCases.forEach(c =>
    it(c.name, async () => {
      const srv = await recordingServer((_req, res) =>
        json(res, c.status, c.body),
      );
      const error = await failure(
        client(srv.url, {retries: 0}).call(
          testContext(),
          {
            method: 'GET',
            path: ['x'],
          },
          ANY,
        ),
      );
      await srv.close();
      expect(error.failure).to.equal(c.failure);
      expect(error.message).not.to.contain('127.0.0.1');
    }),
  );

  it('treats a 200 that is not JSON as a failure', async () => {
    const srv = await recordingServer((_req, res) =>
      res.end('<html>ok</html>'),
    );
    const error = await failure(
      client(srv.url).call(testContext(), {method: 'GET', path: ['x']}, ANY),
    );
    await srv.close();
    expect(error.failure).to.equal('failed');
  });

  it('reports a function that is not listening as unavailable, after its retries', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    let sleeps = 0;
    const error = await failure(
      client(url, {sleep: async () => void sleeps++}).call(
        testContext(),
        {
          method: 'GET',
          path: ['x'],
        },
        ANY,
      ),
    );
    expect(error.failure).to.equal('unavailable');
    expect(sleeps).to.equal(2);
  });

  it('times out a hop after its own timeout, without retrying', async () => {
    const srv = await recordingServer(() => undefined); // never answers
    const error = await failure(
      client(srv.url, {timeoutMs: 100}).call(
        testContext(),
        {
          method: 'GET',
          path: ['x'],
        },
        ANY,
      ),
    );
    await srv.close();
    expect(error.failure).to.equal('timeout');
    expect(srv.requests).to.have.length(1);
  });

  it('does not start a call once the deadline has passed', async () => {
    const srv = await recordingServer((_req, res) => json(res, 200, {}));
    const error = await failure(
      client(srv.url).call(
        testContext({deadline: Date.now() - 1}),
        {
          method: 'GET',
          path: ['x'],
        },
        ANY,
      ),
    );
    await srv.close();
    expect(error.failure).to.equal('timeout');
    expect(srv.requests).to.have.length(0);
  });

  it('reuses one connection for consecutive calls (keep-alive)', async () => {
    const sockets = new Set<unknown>();
    const srv = await recordingServer((_req, res) => json(res, 200, {}));
    srv.server.on('connection', s => sockets.add(s));
    const c = client(srv.url);
    for (let i = 0; i < 5; i++)
      await c.call(testContext(), {method: 'GET', path: ['x']}, ANY);
    await srv.close();
    expect(sockets.size).to.equal(1);
  });
});
