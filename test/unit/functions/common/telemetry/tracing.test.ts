/** Spans: what a request records of its calls and Firestore operations, and how they leave. */
import {SpanKind, SpanStatusCode} from '@opentelemetry/api';
import {ExportResultCode, type ExportResult} from '@opentelemetry/core';
import type {SpanExporter} from '@opentelemetry/sdk-trace';
import {expect} from 'chai';
import {GoogleAuth} from 'google-auth-library';
import {
  googleApiHeaders,
  isGoogleApi,
} from '../../../../../functions/common/identity/access-tokens';
import {
  createTracing,
  inSpan,
  otlpExporter,
  tracedStore,
} from '../../../../../functions/common/telemetry/tracing';
import * as ExporterModule from '@opentelemetry/exporter-trace-otlp-http';
import {recordingTracing, testContext} from '../../../../fixtures/context';
import {json, recordingServer} from '../../../../fixtures/http-server';
import {extractTrace} from '../../../../../functions/common/telemetry/propagation';

describe('tracing', () => {
  it('records a child span of the request with its status, and ok', async () => {
    const tracing = recordingTracing();
    const ctx = testContext({}, tracing);
    const result = await inSpan(
      ctx,
      'GET user /users/1',
      {kind: SpanKind.CLIENT},
      async span => {
        span.setStatus(200);
        await new Promise(r => setTimeout(r, 20));
        return 'answer';
      },
    );
    expect(result).to.equal('answer');
    const [span] = tracing.exporter.getFinishedSpans();
    expect(span.name).to.equal('GET user /users/1');
    expect(span.kind).to.equal(SpanKind.CLIENT);
    expect(span.attributes['http.response.status_code']).to.equal(200);
    expect(span.status.code).to.equal(SpanStatusCode.UNSET);
    expect(span.parentSpanContext?.spanId).to.equal(
      ctx.span.spanContext().spanId,
    );
    expect(span.spanContext().traceId).to.equal(
      '0af7651916cd43dd8448eb211c80319c',
    );
    expect(span.duration[0] * 1e3 + span.duration[1] / 1e6).to.be.within(
      15,
      10_000,
    );
  });

  it('records a failed span with the outcome its error names, and rethrows', async () => {
    const tracing = recordingTracing();
    const ctx = testContext({}, tracing);
    const error = new Error('down');
    const caught = await inSpan(
      ctx,
      'x',
      {kind: SpanKind.CLIENT},
      async () => {
        throw error;
      },
      e => (e === error ? 'unavailable' : 'other'),
    ).catch((e: unknown) => e);
    expect(caught).to.equal(error);
    await inSpan(ctx, 'y', {kind: SpanKind.CLIENT}, async () => {
      throw error;
    }).catch(() => undefined);
    const [x, y] = tracing.exporter.getFinishedSpans();
    expect(x.status).to.deep.equal({
      code: SpanStatusCode.ERROR,
      message: 'unavailable',
    });
    expect(x.attributes['error.type']).to.equal('unavailable');
    expect(x.attributes).not.to.have.property('http.response.status_code');
    expect(y.attributes['error.type']).to.equal('error');
  });

  it('records nothing, and still runs the work, when tracing is off', async () => {
    const off = createTracing({service: 's', projectId: 'p', enabled: false});
    const ctx = testContext({}, off);
    expect(ctx.span.isRecording()).to.equal(false);
    expect(
      await inSpan(ctx, 'x', {kind: SpanKind.CLIENT}, async () => 7),
    ).to.equal(7);
  });

  it('records each store method called during a request by name only, never its arguments', async () => {
    const store = {
      async get(id: string) {
        return {id, secret: 's3cr3t'};
      },
      label: 'not a method',
    };
    const tracing = recordingTracing();
    const traced = tracedStore(store, 'orders', testContext({}, tracing));
    expect(traced.label).to.equal('not a method');
    const doc = await traced.get('order-9');
    expect(doc).to.deep.equal({id: 'order-9', secret: 's3cr3t'});
    const spans = tracing.exporter.getFinishedSpans();
    expect(spans.map(s => s.name)).to.deep.equal(['orders.get']);
    expect(spans[0].attributes).to.include({
      'db.system.name': 'gcp.firestore',
      'db.operation.name': 'orders.get',
    });
    expect(JSON.stringify(spans[0].attributes)).not.to.match(/order-9|s3cr3t/);
  });

  it('hands the store itself to a request that records no spans', () => {
    const store = {get: async () => 1};
    const off = createTracing({service: 's', projectId: 'p', enabled: false});
    expect(tracedStore(store, 'orders', testContext({}, off))).to.equal(store);
  });

  it('exports over OTLP/HTTP as JSON, with the function as the service, and the headers it is given', async () => {
    const receiver = await recordingServer((_req, res) => json(res, 200, {}));
    try {
      const tracing = createTracing({
        service: 'order',
        projectId: 'proj',
        enabled: true,
        endpoint: `${receiver.url}/v1/traces`,
        headers: async () => ({authorization: 'Bearer access-token'}),
      });
      const ctx = testContext({}, tracing);
      ctx.span.end();
      await tracing.flush();
      expect(receiver.requests).to.have.length(1);
      const [post] = receiver.requests;
      expect(post.method).to.equal('POST');
      expect(post.url).to.equal('/v1/traces');
      expect(post.headers['content-type']).to.equal('application/json');
      expect(post.headers.authorization).to.equal('Bearer access-token');
      const body = JSON.parse(post.body) as {
        resourceSpans: {
          resource: {attributes: {key: string; value: {stringValue: string}}[]};
          scopeSpans: {spans: {traceId: string; spanId: string}[]}[];
        }[];
      };
      const [resourceSpans] = body.resourceSpans;
      const attributes = Object.fromEntries(
        resourceSpans.resource.attributes.map(a => [
          a.key,
          a.value.stringValue,
        ]),
      );
      expect(attributes).to.include({
        'service.name': 'order',
        'gcp.project_id': 'proj',
      });
      expect(resourceSpans.scopeSpans[0].spans[0]).to.include({
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: ctx.span.spanContext().spanId,
      });
    } finally {
      await receiver.close();
    }
  });

  it('loads the OTLP exporter at the first export, once, and not to shut down an exporter that never sent', async () => {
    let loads = 0;
    const load = () => {
      loads++;
      return ExporterModule;
    };
    const idle = otlpExporter('http://127.0.0.1:9/v1/traces', undefined, load);
    await idle.forceFlush?.();
    await idle.shutdown();
    expect(loads).to.equal(0);

    const receiver = await recordingServer((_req, res) => json(res, 200, {}));
    try {
      const exporter = otlpExporter(
        `${receiver.url}/v1/traces`,
        undefined,
        load,
      );
      expect(loads).to.equal(0);
      const tracing = recordingTracing();
      testContext({}, tracing).span.end();
      const spans = tracing.exporter.getFinishedSpans();
      for (let i = 0; i < 2; i++)
        await new Promise<void>(done => exporter.export(spans, () => done()));
      expect(loads).to.equal(1);
      expect(receiver.requests).to.have.length(2);
      await exporter.shutdown();
    } finally {
      await receiver.close();
    }
  });

  it('fails an export whose exporter cannot load, or that comes after shutdown, saying so; once loaded, flushes and shuts down what it loaded', async () => {
    const results: ExportResult[] = [];
    const exportOnce = (exporter: SpanExporter) =>
      new Promise<void>(done =>
        exporter.export([], result => {
          results.push(result);
          done();
        }),
      );
    const broken = otlpExporter(
      'http://127.0.0.1:9/v1/traces',
      undefined,
      () => {
        throw new Error('Cannot find module');
      },
    );
    await exportOnce(broken);
    expect(results[0].code).to.equal(ExportResultCode.FAILED);
    expect(results[0].error?.message).to.equal('Cannot find module');

    const calls: string[] = [];
    class FakeExporter {
      export(_spans: unknown, done: (r: ExportResult) => void) {
        calls.push('export');
        done({code: ExportResultCode.SUCCESS});
      }
      forceFlush() {
        calls.push('flush');
        return Promise.resolve();
      }
      shutdown() {
        calls.push('shutdown');
        return Promise.resolve();
      }
    }
    const exporter = otlpExporter(
      'http://127.0.0.1:9/v1/traces',
      undefined,
      () =>
        ({OTLPTraceExporter: FakeExporter}) as unknown as typeof ExporterModule,
    );
    await exportOnce(exporter);
    await exporter.forceFlush?.();
    await exporter.shutdown();
    await exportOnce(exporter);
    expect(calls).to.deep.equal(['export', 'flush', 'shutdown']);
    expect(results.slice(1).map(r => r.code)).to.deep.equal([
      ExportResultCode.SUCCESS,
      ExportResultCode.FAILED,
    ]);
  });

  describe('sampling', () => {
    const unsampled = {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00',
    };
    const sampled = {
      traceparent: unsampled.traceparent.replace(/00$/, '01'),
    };
    /** The request span of `tracing` for a request with `headers`. */
    const requestSpan = (
      tracing: ReturnType<typeof createTracing>,
      headers: Record<string, string>,
    ) => {
      const span = tracing.tracer.startSpan('GET', {}, extractTrace(headers));
      const recording = span.isRecording();
      span.end();
      return {recording, ...span.spanContext()};
    };
    const tracingOf = (entry: boolean, ratio?: number) =>
      createTracing({
        service: 't',
        projectId: 'p',
        enabled: true,
        entry,
        ratio,
      });
    const share = (ratio: number, headers: Record<string, string>) => {
      const tracing = tracingOf(true, ratio);
      let on = 0;
      for (let i = 0; i < 2000; i++)
        if (requestSpan(tracing, headers).recording) on++;
      return on / 2000;
    };

    it('follows the caller away from the entry, and samples a request that starts a trace', () => {
      expect(requestSpan(tracingOf(false), unsampled).recording).to.equal(
        false,
      );
      expect(requestSpan(tracingOf(false), sampled).recording).to.equal(true);
      expect(requestSpan(tracingOf(false), {}).recording).to.equal(true);
    });

    it('at the entry, samples every request at ratio 1 and none at 0, whatever the caller’s flag', () => {
      for (const headers of [unsampled, sampled, {}]) {
        expect(share(1, headers), JSON.stringify(headers)).to.equal(1);
        expect(share(0, headers), JSON.stringify(headers)).to.equal(0);
      }
      expect(requestSpan(tracingOf(true), unsampled).recording).to.equal(true);
    });

    it('at the entry, samples about the ratio’s share of requests, drawn per request even with one trace id', () => {
      // One trace id for every request: a caller who picks trace ids picks
      // nothing of the decision. Bounds far outside the draw's spread.
      const s = share(0.25, sampled);
      expect(s).to.be.within(0.18, 0.32);
    });

    it('keeps the trace id of a request not sampled and passes its decision on', () => {
      const {traceId, traceFlags} = requestSpan(tracingOf(true, 0), sampled);
      expect(traceId).to.equal('0af7651916cd43dd8448eb211c80319c');
      expect(traceFlags & 1).to.equal(0);
    });
  });

  it('calls a Google API with the account’s access token and nothing else, a local endpoint without', async () => {
    const auth = {
      getRequestHeaders: async () =>
        new Headers({authorization: 'Bearer ya29.token'}),
    } as unknown as GoogleAuth;
    expect(await googleApiHeaders(auth)()).to.deep.equal({
      authorization: 'Bearer ya29.token',
    });
    expect(isGoogleApi('https://telemetry.googleapis.com/v1/traces')).to.equal(
      true,
    );
    for (const other of [
      'http://127.0.0.1:8090/v1/traces',
      'http://telemetry.googleapis.com/v1/traces',
      'https://telemetry.googleapis.com.example.com/v1/traces',
    ])
      expect(isGoogleApi(other), other).to.equal(false);
  });
});
