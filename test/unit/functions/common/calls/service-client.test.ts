/**
 * ServiceClient over real HTTP: the answer as the contract parses it, what a
 * call sends (tokens, request id, trace, budget), its path encoded, and one
 * connection kept for consecutive calls.
 */
import {setEndUser} from '../../../../../functions/common/http/context';
import {expect} from 'chai';
import {z} from 'zod';
import {toProblem} from '../../../../../functions/common/protocol/problem';
import {recordingTracing, testContext} from '../../../../fixtures/context';
import {json, recordingServer} from '../../../../fixtures/http-server';
import {ANY, client, failure} from '../../../../fixtures/service-client';

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
    // No body, so nothing says what a body would be.
    expect(req.headers).to.not.have.property('content-type');
    // The call is a child span of the request: same trace, its own span id,
    // which the callee takes as its parent (this token source fetches
    // nothing). Its name holds no id; its URL, without the query, does.
    const spans = tracing.exporter.getFinishedSpans();
    expect(spans.map(s => s.name)).to.deep.equal(['GET order']);
    const [span] = spans;
    const {host, hostname, port} = new URL(srv.url);
    expect(span.attributes).to.include({
      'http.request.method': 'GET',
      'server.address': hostname,
      'server.port': Number(port),
      'url.full': `http://${host}/orders`,
    });
    expect(span.attributes).to.not.have.property('http.request.resend_count');
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
