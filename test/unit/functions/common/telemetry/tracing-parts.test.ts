/** A request's own span, the limits spans keep to, and which store members are traced. */
import {ROOT_CONTEXT, SpanKind, trace} from '@opentelemetry/api';
import {expect} from 'chai';
import {
  inSpan,
  startRequestSpan,
  tracedStore,
} from '../../../../../functions/common/telemetry/tracing';
import {recordingTracing, testContext} from '../../../../fixtures/context';
import {extractTrace} from '../../../../../functions/common/telemetry/propagation';

const CALLER = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('tracing: request spans and limits', () => {
  it('starts a request’s span as a server span under its caller’s, as the parent of what it does', async () => {
    const tracing = recordingTracing();
    const request = startRequestSpan(
      tracing.tracer,
      'GET /orders',
      extractTrace({traceparent: CALLER}),
    );
    expect(request.tracer).to.equal(tracing.tracer);
    expect(trace.getSpan(request.traceContext)).to.equal(request.span);
    await inSpan(request, 'child', {kind: SpanKind.CLIENT}, async () => 1);
    request.span.end();
    const [child, server] = tracing.exporter.getFinishedSpans();
    expect(server.name).to.equal('GET /orders');
    expect(server.kind).to.equal(SpanKind.SERVER);
    expect(server.parentSpanContext?.spanId).to.equal('b7ad6b7169203331');
    expect(child.parentSpanContext?.spanId).to.equal(
      request.span.spanContext().spanId,
    );
    expect(server.instrumentationScope.name).to.equal('functions-s2s');
  });

  it('cuts a long attribute value to 1024 characters', async () => {
    const tracing = recordingTracing();
    await inSpan(
      testContext({}, tracing),
      'x',
      {kind: SpanKind.CLIENT, attributes: {'url.path': 'a'.repeat(5000)}},
      async () => undefined,
    );
    const [span] = tracing.exporter.getFinishedSpans();
    expect(span.attributes['url.path']).to.equal('a'.repeat(1024));
  });
});

describe('tracedStore: what is traced', () => {
  it('records each call as a client span', async () => {
    const tracing = recordingTracing();
    const store = tracedStore(
      {get: async () => 1},
      'users',
      testContext({}, tracing),
    );
    expect(await store.get()).to.equal(1);
    const [span] = tracing.exporter.getFinishedSpans();
    expect(span.kind).to.equal(SpanKind.CLIENT);
  });

  it('leaves a method under a symbol as it is', () => {
    const key = Symbol('inspect');
    const method = () => 'as is';
    const store = tracedStore(
      {[key]: method},
      'users',
      testContext({}, recordingTracing()),
    );
    expect(store[key]).to.equal(method);
  });

  it('hands the store itself to a request without a span', () => {
    const store = {get: async () => 1};
    expect(
      tracedStore(store, 'users', {
        tracer: recordingTracing().tracer,
        traceContext: ROOT_CONTEXT,
      }),
    ).to.equal(store);
  });
});
