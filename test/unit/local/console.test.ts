/**
 * The console's trace store (fed with the spans the functions export over
 * OTLP and the lines the front ends write) and its JSON API, served over
 * real HTTP.
 */
import {expect} from 'chai';
import {get} from 'node:http';
import {exportTraceRequest, spansOfExport} from '../../../local/console/otlp';
import {LocalConsole} from '../../../local/console/server';
import {spansOfLine, TraceStore} from '../../../local/console/traces';
import {accountsFor, ROOT} from '../../../local/functions';
import {loadTopology} from '../../../scripts/topology';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
/** 2026-01-01T00:00:00.000Z, in ms. */
const T0 = 1767225600000;

type Value = string | number | boolean;
const attribute = (key: string, value: Value) => ({
  key,
  value:
    typeof value === 'string'
      ? {stringValue: value}
      : typeof value === 'number'
        ? {intValue: String(value)}
        : {boolValue: value},
});

interface SpanSpec {
  spanId: string;
  parent?: string;
  name: string;
  /** 2: server (a request), 3: client (a call, a Firestore operation). */
  kind: 2 | 3;
  /** ms after T0. */
  start: number;
  durationMs: number;
  attributes?: Record<string, Value>;
  error?: boolean;
}

/** An OTLP/HTTP JSON export of `service`'s spans, as the functions send it. */
function exportOf(service: string, spans: SpanSpec[], traceId = TRACE) {
  const nanos = (ms: number) => String(BigInt(T0 + ms) * 1_000_000n);
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            attribute('service.name', service),
            attribute('gcp.project_id', 'p'),
          ],
        },
        scopeSpans: [
          {
            spans: spans.map(s => ({
              traceId,
              spanId: s.spanId,
              ...(s.parent === undefined ? {} : {parentSpanId: s.parent}),
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: nanos(s.start),
              endTimeUnixNano: nanos(s.start + s.durationMs),
              attributes: Object.entries(s.attributes ?? {}).map(([k, v]) =>
                attribute(k, v),
              ),
              status: s.error ? {code: 2} : {},
            })),
          },
        ],
      },
    ],
  };
}

/** A function's request span, with what http-function.ts says of it. */
function requestSpan(o: {
  spanId: string;
  parent?: string;
  path: string;
  start: number;
  caller?: string;
  uid?: string;
  status?: number;
}): SpanSpec {
  return {
    spanId: o.spanId,
    parent: o.parent,
    name: `GET ${o.path}`,
    kind: 2,
    start: o.start,
    durationMs: 10,
    attributes: {
      'http.request.method': 'GET',
      'url.path': o.path,
      'http.response.status_code': o.status ?? 200,
      's2s.caller': o.caller ?? 'anonymous',
      's2s.auth.check': o.caller === undefined ? 'none' : 'platform',
      ...(o.uid === undefined
        ? {'s2s.end_user': 'anonymous'}
        : {'enduser.id': o.uid, 's2s.end_user.admin': false}),
      's2s.access.rule': 'owner',
      's2s.access.decision': 'allowed',
    },
  };
}

const mesh = [
  exportOf('order', [
    requestSpan({
      spanId: 'c'.repeat(16),
      parent: 'b2'.repeat(8),
      path: '/orders/user/u1',
      caller: 'user-fn@p',
      uid: 'u1',
      start: 4,
    }),
    {
      spanId: 'd'.repeat(16),
      parent: 'c'.repeat(16),
      name: 'orders.list',
      kind: 3,
      start: 5,
      durationMs: 3,
      attributes: {'db.system.name': 'gcp.firestore'},
    },
  ]),
  exportOf('user', [
    requestSpan({
      spanId: 'b'.repeat(16),
      parent: 'a2'.repeat(8),
      path: '/users/u1/orders',
      caller: 'gateway-fn@p',
      uid: 'u1',
      start: 2,
    }),
    {
      spanId: 'b2'.repeat(8),
      parent: 'b'.repeat(16),
      name: 'GET order /orders/user/u1',
      kind: 3,
      start: 3,
      durationMs: 6,
      attributes: {
        'http.request.method': 'GET',
        'http.response.status_code': 200,
      },
    },
  ]),
  exportOf('gateway', [
    requestSpan({
      spanId: 'a'.repeat(16),
      parent: 'f'.repeat(16),
      path: '/api/user-orders/u1',
      uid: 'u1',
      start: 1,
    }),
    {
      spanId: 'a2'.repeat(8),
      parent: 'a'.repeat(16),
      name: 'GET user /users/u1/orders',
      kind: 3,
      start: 1,
      durationMs: 8,
      attributes: {
        'http.request.method': 'GET',
        'http.response.status_code': 200,
      },
    },
  ]),
];

/** What the console does with an export it is sent. */
function receive(store: TraceStore, body: unknown): void {
  for (const {traceId, span, event} of spansOfExport(
    exportTraceRequest.parse(body),
  ))
    store.add(traceId, [span], event);
}

/** A front end's line, as local/front-end-log.ts writes it. */
function frontEndLine(o: {
  traceId?: string;
  spanId: string;
  status: number;
  passed?: boolean;
}): string {
  return JSON.stringify({
    severity: o.passed ? 'INFO' : 'WARNING',
    message: o.passed
      ? `GET /orders ${o.status}`
      : 'The request was not authorized to invoke this service.',
    service: 'order',
    component: 'front-end',
    ...(o.passed ? {passed: true} : {}),
    httpRequest: {
      requestMethod: 'GET',
      requestUrl: '/orders',
      status: o.status,
    },
    caller: 'user-fn@p',
    'logging.googleapis.com/trace': `projects/p/traces/${o.traceId ?? TRACE}`,
    'logging.googleapis.com/spanId': o.spanId,
    span: {
      parentSpanId: 'b2'.repeat(8),
      startTime: '2026-01-01T00:00:00.003Z',
      durationMs: o.passed ? 4 : 0,
    },
  });
}

describe('console traces', () => {
  it('reads a function’s exported request span with its caller, end user and decision, and its calls under it', () => {
    const user = spansOfExport(exportTraceRequest.parse(mesh[1]));
    expect(user[0].event).to.include({
      traceId: TRACE,
      service: 'user',
      method: 'GET',
      path: '/users/u1/orders',
      status: 200,
      caller: 'gateway-fn@p',
      // The live list names the end user, and the caller that sent it.
      who: 'u1 via gateway-fn@p',
    });
    expect(user[0].span).to.deep.include({
      kind: 'request',
      caller: 'gateway-fn@p',
      auth: {check: 'platform'},
      endUser: {uid: 'u1', admin: false},
      access: {rule: 'owner', decision: 'allowed'},
    });
    expect(
      user.map(({span}) => [span.kind, span.spanId, span.parentSpanId]),
    ).to.deep.equal([
      ['request', 'b'.repeat(16), 'a2'.repeat(8)],
      ['call', 'b2'.repeat(8), 'b'.repeat(16)],
    ]);
    expect(user[1].span).to.include({status: 200, outcome: 'ok'});
    expect(user[1].event).to.equal(undefined);
    // At the gateway, which nobody calls, the end user alone.
    const gateway = spansOfExport(exportTraceRequest.parse(mesh[2]));
    expect(gateway[0].event?.who).to.equal('u1');
    const [, orders] = spansOfExport(exportTraceRequest.parse(mesh[0]));
    expect(orders.span).to.include({kind: 'firestore', outcome: 'ok'});
  });

  it('names what went wrong in a call by its error type, and a refused request by its reason', () => {
    const [refused, call] = spansOfExport(
      exportTraceRequest.parse(
        exportOf('gateway', [
          {
            ...requestSpan({
              spanId: 'a'.repeat(16),
              path: '/api/orders',
              start: 0,
              status: 401,
            }),
            attributes: {
              'http.response.status_code': 401,
              's2s.caller': 'anonymous',
              's2s.auth.check': 'none',
              's2s.end_user': 'anonymous',
              's2s.access.rule': 'signed-in',
              's2s.access.decision': 'refused',
              's2s.access.reason': 'No token.',
            },
          },
          {
            spanId: 'a2'.repeat(8),
            parent: 'a'.repeat(16),
            name: 'GET order /orders',
            kind: 3,
            start: 1,
            durationMs: 5,
            attributes: {'error.type': 'timeout'},
            error: true,
          },
        ]),
      ),
    );
    expect(refused.span.access).to.deep.equal({
      rule: 'signed-in',
      decision: 'refused',
      reason: 'No token.',
    });
    expect(refused.event).to.include({status: 401, who: 'anonymous'});
    expect(call.span.outcome).to.equal('timeout');
  });

  it('reads a front end’s refusal as a refused hop under the caller’s span', () => {
    const line = frontEndLine({spanId: 'e'.repeat(16), status: 403});
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
      frontEndLine({
        spanId: `${status}`.padStart(16, '0'),
        status,
        passed: true,
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

  it('ignores lines that record no span: a function’s request line, whose span it exports, among them', () => {
    const functionLine = JSON.stringify({
      severity: 'INFO',
      message: 'GET /orders 200',
      service: 'order',
      httpRequest: {requestMethod: 'GET', requestUrl: '/orders', status: 200},
      caller: 'user-fn@p',
      'logging.googleapis.com/trace': `projects/p/traces/${TRACE}`,
      'logging.googleapis.com/spanId': 'c'.repeat(16),
    });
    for (const line of [
      'not json',
      '{"severity":"INFO","message":"started"}',
      JSON.stringify({httpRequest: {}, 'logging.googleapis.com/spanId': 'x'}),
      'null',
      functionLine,
    ])
      expect(spansOfLine(line), line).to.equal(undefined);
  });

  it('puts a trace together from exports in any order, its root the span without a parent in it', () => {
    const store = new TraceStore();
    for (const body of mesh) receive(store, body);
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
    const body = (traceId: string) =>
      exportOf(
        'gateway',
        [requestSpan({spanId: 'a'.repeat(16), path: '/', start: 0})],
        traceId,
      );
    for (const id of ['1', '2', '3']) receive(store, body(id.repeat(32)));
    stop();
    receive(store, body('4'.repeat(32)));
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
    for (const body of mesh) receive(traces, body);
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

    it('shows a span posted from outside in its trace, beside the functions’ spans', async () => {
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
      // The functions' spans are still there.
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
