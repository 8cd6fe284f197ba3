/**
 * The console's trace store, fed with the spans the functions export over
 * OTLP and the lines the front ends write.
 */
import {expect} from 'chai';
import {exportTraceRequest, spansOfExport} from '../../../local/console/otlp';
import {spansOfLine, TraceStore} from '../../../local/console/traces';
import {
  exportOf,
  mesh,
  receive,
  requestSpan,
  TRACE,
} from '../../fixtures/otlp-export';

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
      who: 'u1 (signed up) via gateway-fn@p',
    });
    expect(user[0].span).to.deep.include({
      kind: 'request',
      caller: 'gateway-fn@p',
      auth: {check: 'platform'},
      endUser: {uid: 'u1', admin: false, account: 'signed up'},
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
    expect(gateway[0].event?.who).to.equal('u1 (signed up)');
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
