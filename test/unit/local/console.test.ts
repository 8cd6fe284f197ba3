/**
 * The console's trace store (fed with log lines as the functions and front
 * ends write them) and its JSON API, served over real HTTP.
 */
import {expect} from 'chai';
import {get} from 'node:http';
import {LocalConsole} from '../../../local/console/server';
import {spansOfLine, TraceStore} from '../../../local/console/traces';
import {accountsFor, ROOT} from '../../../local/functions';
import {loadTopology} from '../../../scripts/topology';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

/** A request line as http-function.ts writes it. */
function requestLine(o: {
  service: string;
  spanId: string;
  parent?: string;
  path: string;
  status?: number;
  caller?: string;
  spans?: unknown[];
  start?: string;
  refused?: string;
}): string {
  return JSON.stringify({
    severity: 'INFO',
    message: `GET ${o.path} ${o.status ?? 200}`,
    service: o.service,
    httpRequest: {
      requestMethod: 'GET',
      requestUrl: o.path,
      status: o.status ?? 200,
      latency: '0.010000s',
    },
    requestId: 'r1',
    caller: o.caller ?? 'anonymous',
    auth: {check: 'verify', ...(o.refused ? {refused: o.refused} : {})},
    'logging.googleapis.com/trace': `projects/p/traces/${TRACE}`,
    'logging.googleapis.com/spanId': o.spanId,
    'logging.googleapis.com/trace_sampled': true,
    span: {
      parentSpanId: o.parent,
      startTime: o.start ?? '2026-01-01T00:00:00.000Z',
      durationMs: 10,
    },
    spans: o.spans ?? [],
  });
}

const mesh = [
  requestLine({
    service: 'order',
    spanId: 'c'.repeat(16),
    parent: 'b2'.repeat(8),
    path: '/orders/user/u1',
    caller: 'user-fn@p',
    start: '2026-01-01T00:00:00.004Z',
    spans: [
      {
        spanId: 'd'.repeat(16),
        kind: 'firestore',
        name: 'orders.list',
        startTime: '2026-01-01T00:00:00.005Z',
        durationMs: 3,
        outcome: 'ok',
      },
    ],
  }),
  requestLine({
    service: 'user',
    spanId: 'b'.repeat(16),
    parent: 'a2'.repeat(8),
    path: '/users/u1/orders',
    caller: 'gateway-fn@p',
    start: '2026-01-01T00:00:00.002Z',
    spans: [
      {
        spanId: 'b2'.repeat(8),
        kind: 'call',
        name: 'GET order /orders/user/u1',
        startTime: '2026-01-01T00:00:00.003Z',
        durationMs: 6,
        outcome: 'ok',
        status: 200,
      },
    ],
  }),
  requestLine({
    service: 'gateway',
    spanId: 'a'.repeat(16),
    parent: 'f'.repeat(16),
    path: '/api/user-orders/u1',
    start: '2026-01-01T00:00:00.001Z',
    spans: [
      {
        spanId: 'a2'.repeat(8),
        kind: 'call',
        name: 'GET user /users/u1/orders',
        startTime: '2026-01-01T00:00:00.001Z',
        durationMs: 8,
        outcome: 'ok',
        status: 200,
      },
    ],
  }),
];

describe('console traces', () => {
  it('reads a request line as the function’s span with its child spans under it', () => {
    const found = spansOfLine(mesh[1])!;
    expect(found.event).to.include({
      traceId: TRACE,
      service: 'user',
      method: 'GET',
      path: '/users/u1/orders',
      status: 200,
      caller: 'gateway-fn@p',
      who: 'gateway-fn@p',
    });
    // The live list names the end user, at the gateway (no caller) too.
    const asBob = (line: string, caller: string) =>
      spansOfLine(
        JSON.stringify({
          ...JSON.parse(line),
          caller,
          endUser: {uid: 'user-002', admin: false},
        }),
      )!.event.who;
    expect(asBob(mesh[1], 'gateway-fn@p')).to.equal(
      'user-002 via gateway-fn@p',
    );
    expect(asBob(mesh[1], 'anonymous')).to.equal('user-002');
    expect(
      found.spans.map(s => [s.kind, s.spanId, s.parentSpanId]),
    ).to.deep.equal([
      ['request', 'b'.repeat(16), 'a2'.repeat(8)],
      ['call', 'b2'.repeat(8), 'b'.repeat(16)],
    ]);
  });

  it('reads a front end’s refusal as a refused hop under the caller’s span', () => {
    const line = JSON.stringify({
      severity: 'WARNING',
      message: 'The request was not authorized to invoke this service.',
      service: 'order',
      component: 'front-end',
      httpRequest: {requestMethod: 'GET', requestUrl: '/orders', status: 403},
      caller: 'user-fn@p',
      'logging.googleapis.com/trace': `projects/p/traces/${TRACE}`,
      'logging.googleapis.com/spanId': 'e'.repeat(16),
      span: {
        parentSpanId: 'b2'.repeat(8),
        startTime: '2026-01-01T00:00:00.003Z',
        durationMs: 0,
      },
    });
    const [span] = spansOfLine(line)!.spans;
    expect(span).to.include({
      kind: 'refused',
      service: 'order front end',
      status: 403,
      caller: 'user-fn@p',
      parentSpanId: 'b2'.repeat(8),
    });
    expect(span.auth).to.deep.equal({
      check: 'front end',
      refused: 'The request was not authorized to invoke this service.',
    });
  });

  it("keeps a front end's line of a passed request in the trace, and lists it only when the caller got no answer", () => {
    const passed = (status: number) =>
      JSON.stringify({
        severity: 'INFO',
        message: `GET /orders ${status}`,
        service: 'order',
        component: 'front-end',
        passed: true,
        httpRequest: {requestMethod: 'GET', requestUrl: '/orders', status},
        caller: 'user-fn@p',
        'logging.googleapis.com/trace': `projects/p/traces/${TRACE}`,
        'logging.googleapis.com/spanId': `${status}`.padStart(16, '0'),
        span: {
          parentSpanId: 'b2'.repeat(8),
          startTime: '2026-01-01T00:00:00.003Z',
          durationMs: 4,
        },
      });
    const store = new TraceStore();
    store.ingest(passed(200));
    store.ingest(passed(499));
    expect(store.get(TRACE)!.spans.map(s => [s.kind, s.status])).to.deep.equal([
      ['front-end', 200],
      ['front-end', 499],
    ]);
    expect(store.recent.map(e => e.status)).to.deep.equal([499]);
    expect(store.recent[0]).to.include({
      service: 'order front end',
      caller: 'user-fn@p',
    });
  });

  it('ignores lines that record no request', () => {
    for (const line of [
      'not json',
      '{"severity":"INFO","message":"started"}',
      JSON.stringify({httpRequest: {}, 'logging.googleapis.com/spanId': 'x'}),
      'null',
    ])
      expect(spansOfLine(line), line).to.equal(undefined);
  });

  it('puts a trace together from lines in any order, its root the span without a parent in it', () => {
    const store = new TraceStore();
    for (const line of mesh) store.ingest(line);
    expect(store.list(5)).to.deep.equal([
      {
        traceId: TRACE,
        method: 'GET',
        path: '/api/user-orders/u1',
        status: 200,
        durationMs: 10,
        spanCount: 6,
        startTime: '2026-01-01T00:00:00.001Z',
      },
    ]);
    const trace = store.get(TRACE)!;
    expect(trace.spans.map(s => s.service)).to.deep.equal([
      'gateway',
      'gateway',
      'user',
      'user',
      'order',
      'order',
    ]);
    expect(store.get('0'.repeat(32))).to.equal(undefined);
  });

  it('lists the newest traces first, forgets the oldest, and tells subscribers of each request', () => {
    const store = new TraceStore(2);
    const seen: string[] = [];
    const stop = store.subscribe(e => seen.push(e.traceId));
    const line = (traceId: string) =>
      requestLine({
        service: 'gateway',
        spanId: 'a'.repeat(16),
        path: '/',
      }).replace(TRACE, traceId);
    for (const id of ['1', '2', '3']) store.ingest(line(id.repeat(32)));
    stop();
    store.ingest(line('4'.repeat(32)));
    expect(store.list(10).map(t => t.traceId)).to.deep.equal([
      '4'.repeat(32),
      '3'.repeat(32),
    ]);
    expect(seen).to.deep.equal(['1', '2', '3'].map(d => d.repeat(32)));
    expect(store.recent).to.have.length(2);
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (res: Response): Promise<any> => res.json();

describe('console API', () => {
  let server: LocalConsole;
  let url: string;
  before(async () => {
    const traces = new TraceStore();
    for (const line of mesh) traces.ingest(line);
    const topology = loadTopology();
    server = new LocalConsole({
      traces,
      topology,
      accounts: accountsFor(topology, 'p'),
      root: ROOT,
    });
    url = await server.listen(0);
  });
  after(() => server.close());

  it('answers only requests addressed to itself, so another site cannot read it through DNS rebinding', async () => {
    const {port} = new URL(url);
    const status = (host: string) =>
      new Promise<number>((resolve, reject) =>
        get(
          {host: '127.0.0.1', port, path: '/api/traces', headers: {Host: host}},
          res => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        ).on('error', reject),
      );
    expect(await status(`evil.example:${port}`)).to.equal(421);
    expect(await status('127.0.0.1')).to.equal(421);
    expect(await status(`127.0.0.1:${port}`)).to.equal(200);
    expect(await status(`localhost:${port}`)).to.equal(200);
  });

  it('serves the page', async () => {
    const res = await fetch(`${url}/`);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    expect(await res.text()).to.contain('/api/events');
  });

  it('serves the topology with accounts, ingress and invoker edges', async () => {
    const {functions} = await json(await fetch(`${url}/api/topology`));
    const order = functions.find((f: {name: string}) => f.name === 'order');
    expect(order).to.deep.include({
      ingress: 'internal-only',
      public: false,
      invokers: ['gateway', 'user'],
      serviceAccount: 'order-fn@p.iam.gserviceaccount.com',
    });
  });

  it('serves recent traces and one trace’s spans', async () => {
    const list = await json(await fetch(`${url}/api/traces?limit=1`));
    expect(list.traces.map((t: {traceId: string}) => t.traceId)).to.deep.equal([
      TRACE,
    ]);
    const trace = await json(await fetch(`${url}/api/traces/${TRACE}`));
    expect(trace.spans).to.have.length(6);
    expect(trace.spans[0]).to.include.keys(
      'spanId',
      'parentSpanId',
      'service',
      'name',
      'status',
      'startTime',
      'durationMs',
      'caller',
    );
  });

  const refusals: [string, number][] = [
    ['/api/traces?limit=0', 400],
    ['/api/traces?limit=201', 400],
    ['/api/traces?limit=x', 400],
    ['/api/traces/not-a-trace', 400],
    [`/api/traces/${'0'.repeat(32)}`, 404],
    ['/nothing', 404],
  ];
  refusals.forEach(([path, status]) =>
    it(`answers ${path} with a ${status} problem`, async () => {
      const res = await fetch(`${url}${path}`);
      expect(res.status).to.equal(status);
      expect(res.headers.get('content-type')).to.equal(
        'application/problem+json',
      );
      expect((await json(res)).status).to.equal(status);
    }),
  );

  it('sends the requests kept so far as server-sent events', async () => {
    const abort = new AbortController();
    const res = await fetch(`${url}/api/events`, {signal: abort.signal});
    expect(res.headers.get('content-type')).to.equal('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    while ((text.match(/^data: /gm) ?? []).length < 3)
      text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    const services = text
      .split('\n')
      .filter(l => l.startsWith('data: '))
      .map(l => JSON.parse(l.slice(6)).service);
    expect(services).to.deep.equal(['order', 'user', 'gateway']);
  });

  describe('as an OTLP/HTTP receiver (POST /v1/traces)', () => {
    const OTHER = '0af7651916cd43dd8448eb211c80319c';
    /** An export with one server span of `service` and a client span under it. */
    const exported = (traceId: string, service: string) => ({
      resourceSpans: [
        {
          resource: {
            attributes: [{key: 'service.name', value: {stringValue: service}}],
          },
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId: 'e'.repeat(16),
                  parentSpanId: 'a'.repeat(16),
                  name: 'GET /stock/widget-a',
                  kind: 2,
                  startTimeUnixNano: '1767225600010000000',
                  endTimeUnixNano: '1767225600015500000',
                  attributes: [
                    {
                      key: 'http.response.status_code',
                      value: {intValue: '200'},
                    },
                  ],
                },
                {
                  traceId,
                  spanId: 'f'.repeat(16),
                  parentSpanId: 'e'.repeat(16),
                  name: 'stock.get',
                  kind: 1,
                  startTimeUnixNano: '1767225600011000000',
                  endTimeUnixNano: '1767225600012000000',
                  attributes: [
                    {key: 'db.system', value: {stringValue: 'firestore'}},
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    const post = (body: unknown, type = 'application/json') =>
      fetch(`${url}/v1/traces`, {
        method: 'POST',
        headers: {'Content-Type': type},
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });

    it('shows a span posted from outside in its trace, beside the spans of the log lines', async () => {
      const res = await post(exported(TRACE, 'inventory'));
      expect(res.status).to.equal(200);
      const trace = await json(await fetch(`${url}/api/traces/${TRACE}`));
      const inventory = trace.spans.filter(
        (s: {service: string}) => s.service === 'inventory',
      );
      expect(inventory.map((s: {kind: string}) => s.kind)).to.deep.equal([
        'request',
        'firestore',
      ]);
      expect(inventory[0]).to.deep.include({
        name: 'GET /stock/widget-a',
        status: 200,
        parentSpanId: 'a'.repeat(16),
        startTime: '2026-01-01T00:00:00.010Z',
        durationMs: 5.5,
      });
      // The log lines' spans are still there.
      expect(
        trace.spans.some((s: {service: string}) => s.service === 'gateway'),
      ).to.equal(true);
      // A trace of its own appears in the list, as a request.
      await post(exported(OTHER, 'inventory'));
      const listed = await json(await fetch(`${url}/api/traces?limit=200`));
      expect(
        listed.traces.find((t: {traceId: string}) => t.traceId === OTHER),
      ).to.deep.include({method: 'GET', path: '/stock/widget-a', status: 200});
    });

    it("takes a hand-run function's log lines at /api/lines, as the stack's own", async () => {
      const trace = '1234567890abcdef1234567890abcdef';
      const line = requestLine({
        service: 'gateway',
        spanId: 'd'.repeat(16),
        path: '/api/orders',
      }).replaceAll(TRACE, trace);
      const res = await fetch(`${url}/api/lines`, {
        method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({source: 'gateway', lines: [line, 'not json']}),
      });
      expect(res.status).to.equal(200);
      const got = await json(await fetch(`${url}/api/traces/${trace}`));
      expect(got.spans.map((s: {service: string}) => s.service)).to.deep.equal([
        'gateway',
      ]);
      const bad = await fetch(`${url}/api/lines`, {
        method: 'POST',
        headers: {'Content-Type': 'text/plain'},
        body: JSON.stringify({lines: [line]}),
      });
      expect(bad.status).to.equal(415);
    });

    it('takes only JSON exports, and refuses the rest with a problem', async () => {
      const cases: [Promise<Response>, number][] = [
        [post(exported(TRACE, 'x'), 'text/plain'), 415],
        [post('{"resourceSpans": [', 'application/json'), 400],
        [
          post({resourceSpans: [{scopeSpans: [{spans: [{traceId: 'no'}]}]}]}),
          400,
        ],
        [post('x'.repeat((1 << 20) + 1)), 413],
        [fetch(`${url}/v1/traces`), 405],
      ];
      for (const [response, status] of cases) {
        const res = await response;
        expect(res.status).to.equal(status);
        expect(res.headers.get('content-type')).to.equal(
          'application/problem+json',
        );
      }
    });
  });
});
