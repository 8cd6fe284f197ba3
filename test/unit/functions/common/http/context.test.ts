import {trace, TraceFlags} from '@opentelemetry/api';
import type {ReadableSpan} from '@opentelemetry/sdk-trace';
import {expect} from 'chai';
import {
  createContext,
  distrustRequestId,
  type RequestContext,
} from '../../../../../functions/common/http/context';
import {recordingTracing} from '../../../../fixtures/context';

const options = {
  requestTimeoutMs: 10_000,
  now: 1_000_000,
  tracer: recordingTracing().tracer,
  name: 'GET /x',
};

/** The request's trace, its caller's span and whether it is sampled. */
function traceOf(ctx: RequestContext) {
  const {traceId, traceFlags} = ctx.span.spanContext();
  const parent = (ctx.span as unknown as ReadableSpan).parentSpanContext;
  return {
    traceId,
    parentSpanId: parent?.spanId,
    sampled: (traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
  };
}

describe('createContext', () => {
  it('at an internal function, keeps a well-formed request id and replaces a bad one', () => {
    expect(
      createContext({'x-request-id': 'abc-123'}, options).requestId,
    ).to.equal('abc-123');
    const replaced = createContext(
      {'x-request-id': 'bad id\n{"severity":"ERROR"}'},
      options,
    ).requestId;
    expect(replaced).to.match(/^[0-9a-f-]{36}$/);
    for (const bad of ['bad id', 'x'.repeat(129), '', 'a\nb'])
      expect(
        createContext({'x-request-id': bad}, options).requestId,
        JSON.stringify(bad),
      ).to.match(/^[0-9a-f-]{36}$/);
    expect(
      createContext({'x-request-id': 'x'.repeat(128)}, options).requestId,
    ).to.equal('x'.repeat(128));
    expect(createContext({}, options).requestId).to.match(/^[0-9a-f-]{36}$/);
  });

  it('at the first hop, issues a new id for every request and keeps a well-formed client id apart', () => {
    const entry = {...options, entry: true};
    const sent = {'x-request-id': 'abc-123'};
    const [a, b] = [createContext(sent, entry), createContext(sent, entry)];
    for (const ctx of [a, b]) {
      expect(ctx.requestId).to.match(/^[0-9a-f-]{36}$/);
      expect(ctx.clientRequestId).to.equal('abc-123');
    }
    expect(a.requestId).not.to.equal(b.requestId);
    for (const bad of ['bad id', 'x'.repeat(129), '', 'a\nb']) {
      const ctx = createContext({'x-request-id': bad}, entry);
      expect(ctx.requestId, JSON.stringify(bad)).to.match(/^[0-9a-f-]{36}$/);
      expect(ctx.clientRequestId, JSON.stringify(bad)).to.equal(undefined);
    }
    expect(createContext({}, entry).clientRequestId).to.equal(undefined);
    expect(createContext(sent, options).clientRequestId).to.equal(undefined);
  });

  it('takes a caller that could not be authenticated for a client: its id is kept as the client’s', () => {
    const sent = {'x-request-id': 'abc-123'};
    const ctx = createContext(sent, options);
    distrustRequestId(ctx, sent);
    expect(ctx.requestId).to.match(/^[0-9a-f-]{36}$/);
    expect(ctx.clientRequestId).to.equal('abc-123');
    const none = createContext({}, options);
    const before = none.requestId;
    distrustRequestId(none, {});
    expect(none.requestId).not.to.equal(before);
    expect(none.clientRequestId).to.equal(undefined);
  });

  it('joins the trace of a valid traceparent, with a span of its own under the caller’s', () => {
    const ctx = createContext(
      {
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        'x-cloud-trace-context': 'ffffffffffffffffffffffffffffffff/123;o=1',
      },
      options,
    );
    expect(traceOf(ctx)).to.deep.equal({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      parentSpanId: 'b7ad6b7169203331',
      sampled: true,
    });
    const {spanId} = ctx.span.spanContext();
    expect(spanId).to.match(/^[\da-f]{16}$/);
    expect(spanId).not.to.equal('b7ad6b7169203331');
    // Its children hang under it.
    expect(trace.getSpan(ctx.traceContext)).to.equal(ctx.span);
  });

  it('keeps the caller’s sampling decision: an unsampled request records nothing', () => {
    const ctx = createContext(
      {traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00'},
      options,
    );
    expect(traceOf(ctx)).to.include({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      sampled: false,
    });
    expect(ctx.span.isRecording()).to.equal(false);
  });

  it('at a function anyone may call, joins the caller’s trace without its tracestate; an internal one keeps it', () => {
    const headers = {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'vendor=opaque,other=1',
    };
    const stateOf = (ctx: RequestContext) =>
      ctx.span.spanContext().traceState?.serialize();
    const entry = createContext(headers, {...options, entry: true});
    expect(traceOf(entry)).to.deep.equal({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      parentSpanId: 'b7ad6b7169203331',
      sampled: true,
    });
    expect(stateOf(entry)).to.equal(undefined);
    expect(stateOf(createContext(headers, options))).to.equal(
      'vendor=opaque,other=1',
    );
  });

  it('falls back to X-Cloud-Trace-Context, its decimal span id as the parent', () => {
    const ctx = createContext(
      {'x-cloud-trace-context': '0af7651916cd43dd8448eb211c80319c/123;o=1'},
      options,
    );
    expect(traceOf(ctx)).to.deep.equal({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      parentSpanId: '000000000000007b',
      sampled: true,
    });
    const unsampled = createContext(
      {'x-cloud-trace-context': '0af7651916cd43dd8448eb211c80319c/5;o=0'},
      options,
    );
    expect(traceOf(unsampled)).to.include({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      sampled: false,
    });
  });

  const malformed: [string, Record<string, string>][] = [
    ['no trace header', {}],
    ['a traceparent that is not one', {traceparent: 'nope'}],
    [
      'an all-zero trace id',
      {traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01'},
    ],
    [
      'an all-zero parent id',
      {traceparent: '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01'},
    ],
    [
      'upper-case hex, which W3C trace context does not allow',
      {traceparent: '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01'},
    ],
    [
      'junk before a traceparent',
      {traceparent: 'x00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'},
    ],
    [
      'junk after a traceparent',
      {traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x'},
    ],
    ['a bad X-Cloud-Trace-Context', {'x-cloud-trace-context': 'x/y'}],
    [
      'an X-Cloud-Trace-Context with junk before it',
      {'x-cloud-trace-context': 'x0af7651916cd43dd8448eb211c80319c/5'},
    ],
    [
      'an X-Cloud-Trace-Context without a span',
      {'x-cloud-trace-context': '0af7651916cd43dd8448eb211c80319c'},
    ],
    [
      'an X-Cloud-Trace-Context with a zero span',
      {'x-cloud-trace-context': '0af7651916cd43dd8448eb211c80319c/0;o=1'},
    ],
  ];
  malformed.forEach(([name, headers]) =>
    it(`starts a new sampled trace for ${name}`, () => {
      const t = traceOf(createContext(headers, options));
      expect(t.traceId).to.match(/^[\da-f]{32}$/);
      expect(t.traceId).not.to.equal('0af7651916cd43dd8448eb211c80319c');
      expect(t.parentSpanId).to.equal(undefined);
      expect(t.sampled).to.equal(true);
    }),
  );

  it('keeps trace and span ids that merely end in zeros', () => {
    const ctx = createContext(
      {traceparent: '00-0af7651916cd43dd8448eb211c803100-b7ad6b7169203300-01'},
      options,
    );
    expect(traceOf(ctx)).to.include({
      traceId: '0af7651916cd43dd8448eb211c803100',
      parentSpanId: 'b7ad6b7169203300',
    });
  });

  it('starts a new trace id for each request without one', () => {
    const ids = Array.from(
      {length: 300},
      () => createContext({}, options).span.spanContext().traceId,
    );
    expect(new Set(ids).size).to.equal(300);
  });

  it('lets a caller shorten the deadline but never extend it', () => {
    expect(
      createContext({'x-request-budget-ms': '250'}, options).deadline,
    ).to.equal(1_000_250);
    expect(
      createContext({'x-request-budget-ms': '99999999'}, options).deadline,
    ).to.equal(1_010_000);
    for (const ignored of ['-5', '0', '2.5', 'soon'])
      expect(
        createContext({'x-request-budget-ms': ignored}, options).deadline,
        ignored,
      ).to.equal(1_010_000);
  });
});
