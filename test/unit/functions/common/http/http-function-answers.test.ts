/**
 * What createHttpFunction makes of a route's answer and of its failures:
 * the request as the handler sees it, statuses and headers, 405/404/415
 * refused before any handler, a 204 without a body, a failure of ours
 * logged with its stack and cause while the client gets only the problem,
 * the request's budget, its span's route, its line's latency, and what a
 * caller's trace state becomes at an entry function.
 */
import {expect} from 'chai';
import {createServer, get, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import request from 'supertest';
import {PUBLIC} from '../../../../../functions/common/http/access';
import {
  createHttpFunction,
  writeProblem,
  type HttpFunctionOptions,
} from '../../../../../functions/common/http/http-function';
import {JsonLogger} from '../../../../../functions/common/telemetry/logger';
import {NotFoundError} from '../../../../../functions/common/protocol/problem';
import type {Route} from '../../../../../functions/common/http/router';
import {recordingTracing} from '../../../../fixtures/context';
import {frameworkServer} from '../../../../fixtures/functions';

const later = (ms: number) => new Promise(r => setTimeout(r, ms));

function serve(options: Partial<HttpFunctionOptions> = {}) {
  const lines: Record<string, unknown>[] = [];
  const handled: string[] = [];
  const route = (
    method: Route['method'],
    path: string,
    handler: Route['handler'],
  ): Route => ({
    method,
    path,
    rule: PUBLIC,
    handler: (req, ctx) => {
      handled.push(`${method} ${path}`);
      return handler(req, ctx);
    },
  });
  const tracing = recordingTracing();
  const server = frameworkServer(
    createHttpFunction({
      service: 'test',
      projectId: 'p',
      requestTimeoutMs: 5000,
      endUsers: 'off',
      tracer: tracing.tracer,
      logger: new JsonLogger('test', 'info', {
        add: line => lines.push(JSON.parse(line)),
      }),
      routes: [
        route('GET', '/things/:id', async req => ({
          body: {
            params: req.params,
            query: req.query,
            header: req.headers['x-test'],
          },
        })),
        route('POST', '/things', async req => ({
          status: 201,
          body: req.body,
          headers: {Location: '/things/1', 'X-Extra': 'yes'},
        })),
        route('PATCH', '/things/:id', async req => ({body: req.body})),
        route('DELETE', '/things/:id', async () => ({
          status: 204,
          body: undefined,
        })),
        route('GET', '/fail', async () => {
          throw new Error('boom', {cause: new Error('the root cause')});
        }),
        route('GET', '/fail-plain', async () => {
          throw new Error('plain boom');
        }),
        route('GET', '/missing', async () => {
          throw new NotFoundError('thing-not-found', 'No such thing.');
        }),
        route('GET', '/stall', () => new Promise(() => undefined)),
        // Fails only once its caller has been answered 504.
        route('GET', '/stall-then-fail', async () => {
          await later(100);
          throw new Error('too late to matter');
        }),
        route('GET', '/trace-state', async (_req, ctx) => ({
          body: {traceState: ctx.span.spanContext().traceState?.serialize()},
        })),
      ],
      ...options,
    }),
  );
  return {api: () => request(server), lines, handled, tracing};
}

describe('createHttpFunction: answers', () => {
  it('gives the handler the decoded path parameters, the query and the headers; 200 by default, with the request id', async () => {
    const res = await serve()
      .api()
      .get('/things/a%20b?limit=5')
      .set('X-Test', 'sent')
      .set('X-Request-Id', 'req-1');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({
      params: {id: 'a b'},
      query: {limit: '5'},
      header: 'sent',
    });
    // An entry function issues its own id: the client's is not it.
    expect(res.headers['x-request-id'])
      .to.be.a('string')
      .and.not.equal('req-1');
  });

  it("sends the handler's status, headers and JSON body", async () => {
    const res = await serve().api().post('/things').send({name: 'x'});
    expect(res.status).to.equal(201);
    expect(res.headers).to.include({location: '/things/1', 'x-extra': 'yes'});
    expect(res.body).to.deep.equal({name: 'x'});
  });

  it('answers a 204 with no body at all', async () => {
    const res = await serve().api().delete('/things/1');
    expect(res.status).to.equal(204);
    expect(res.text).to.equal('');
    expect(res.headers).not.to.have.property('content-type');
  });

  const notJson: {method: 'post' | 'patch'; path: string}[] = [
    {method: 'post', path: '/things'},
    {method: 'patch', path: '/things/1'},
  ];
  notJson.forEach(c =>
    it(`refuses a ${c.method.toUpperCase()} body that is not JSON with 415, before the handler`, async () => {
      const s = serve();
      const res = await s
        .api()
        [c.method](c.path)
        .set('Content-Type', 'text/plain')
        .send('name=x');
      expect(res.status).to.equal(415);
      expect(res.type).to.equal('application/problem+json');
      expect(res.body.code).to.equal('unsupported-media-type');
      expect(res.body.detail).to.be.a('string').that.includes('JSON');
      expect(s.handled).to.deep.equal([]);
    }),
  );

  it('asks no content type of a method without a body', async () => {
    const res = await serve()
      .api()
      .delete('/things/1')
      .set('Content-Type', 'text/plain');
    expect(res.status).to.equal(204);
  });

  it('answers 405 naming the methods the path takes, and 404 for a path no route has', async () => {
    const s = serve();
    const wrong = await s.api().put('/things/1').send({});
    expect(wrong.status).to.equal(405);
    expect(wrong.body.code).to.equal('method-not-allowed');
    expect(wrong.headers.allow).to.equal('GET, PATCH, DELETE');
    const none = await s.api().get('/nothing/here');
    expect(none.status).to.equal(404);
    expect(none.body.code).to.equal('route-not-found');
    expect(s.handled).to.deep.equal([]);
  });

  it('logs a failure of ours with its stack and cause; the client gets only the problem, with the request id', async () => {
    const s = serve();
    const res = await s.api().get('/fail').set('X-Request-Id', 'req-fail');
    expect(res.status).to.equal(500);
    const requestId = res.headers['x-request-id'];
    expect(requestId).to.be.a('string').and.not.equal('req-fail');
    expect(res.body).to.include({code: 'internal', requestId});
    expect(res.text).not.to.contain('boom').and.not.to.contain('root cause');
    const failed = s.lines.filter(l => l.message === 'request failed');
    expect(failed).to.have.length(1);
    expect(failed[0]).to.include({severity: 'ERROR', requestId});
    expect(failed[0].error).to.contain('Error: boom').and.contain('\n    at ');
    expect(failed[0].cause).to.contain('the root cause');
  });

  it('logs no cause for a failure that has none, and no failure for a 4xx', async () => {
    const s = serve();
    await s.api().get('/fail-plain');
    const [failed] = s.lines.filter(l => l.message === 'request failed');
    expect(failed.error).to.contain('plain boom');
    expect(failed).not.to.have.property('cause');
    s.lines.length = 0;
    const missing = await s.api().get('/missing');
    expect(missing.body.code).to.equal('thing-not-found');
    expect(s.lines.map(l => l.message)).to.deep.equal(['GET /missing 404']);
  });

  it('answers 504 once the budget is spent, and a failure of the abandoned work is no one’s error', async () => {
    const unhandled: unknown[] = [];
    const note = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', note);
    try {
      const s = serve();
      for (const path of ['/stall', '/stall-then-fail']) {
        const res = await s.api().get(path).set('X-Request-Budget-Ms', '30');
        expect(res.status, path).to.equal(504);
        expect(res.body.code).to.equal('out-of-time');
        expect(res.body.detail).to.be.a('string').with.length.above(0);
      }
      await later(200);
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', note);
    }
  });

  it("names the request's span for its route, not its path", async () => {
    const s = serve();
    await s.api().get('/things/42');
    const [span] = s.tracing.exporter.getFinishedSpans();
    expect(span.name).to.equal('GET /things/:id');
    expect(span.attributes['http.route']).to.equal('/things/:id');
  });

  it('logs a latency no longer than the client waited', async () => {
    const s = serve();
    const started = performance.now();
    await s.api().get('/things/1');
    const waitedS = (performance.now() - started) / 1000;
    const {latency} = s.lines[0].httpRequest as {latency: string};
    expect(latency).to.match(/^\d+\.\d{6}s$/);
    expect(parseFloat(latency)).to.be.within(0, waitedS);
  });

  it("drops a caller's trace state where anyone may call (the default), and keeps it where only known callers may", async () => {
    const headers = {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'vendor=opaque',
    };
    // With the function's own default tracer, which records.
    for (const [options, traceState] of [
      [{tracer: undefined}, undefined],
      [{tracer: undefined, entry: false}, 'vendor=opaque'],
    ] as const) {
      const res = await serve(options).api().get('/trace-state').set(headers);
      expect(res.body.traceState, JSON.stringify(options)).to.equal(traceState);
    }
  });
});

describe('writeProblem', () => {
  it('ends a response whose head is already sent as it is, writing no problem', async () => {
    const server = createServer((_req, res: ServerResponse) => {
      res.writeHead(200, {'Content-Type': 'text/plain'});
      res.write('partial');
      writeProblem(res, new Error('late'), 'req-late');
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    try {
      const {port} = server.address() as AddressInfo;
      const {status, body} = await new Promise<{status?: number; body: string}>(
        (resolve, reject) =>
          get(`http://127.0.0.1:${port}/`, res => {
            let text = '';
            res.on('data', chunk => (text += chunk));
            res.on('end', () => resolve({status: res.statusCode, body: text}));
          }).on('error', reject),
      );
      expect([status, body]).to.deep.equal([200, 'partial']);
    } finally {
      server.close();
    }
  });
});
