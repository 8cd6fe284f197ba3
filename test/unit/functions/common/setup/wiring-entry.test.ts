/**
 * Who decides what of a caller's trace headers a function keeps: the
 * wiring, from isEntry(config). A function anyone may call drops the
 * caller's tracestate and samples every request; one that checks its
 * callers keeps both as they come. Observed where they end up: the spans
 * the function exports over OTLP.
 */
import {expect} from 'chai';
import request from 'supertest';
import {parseConfig} from '../../../../../functions/common/platform/config';
import {JsonLogger} from '../../../../../functions/common/telemetry/logger';
import {
  httpFunctionFor,
  wiringFor,
} from '../../../../../functions/common/setup/wiring';
import {frameworkServer} from '../../../../fixtures/functions';
import {json, recordingServer} from '../../../../fixtures/http-server';

const TRACE = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331';
const GATEWAY = {
  ALLOWED_CALLERS: 'anyone',
  CALLS: 'user,order',
  USER_URL: 'http://u.example',
  ORDER_URL: 'http://o.example',
};
const ORDER = {SELF_URL: 'https://order.example', ALLOWED_CALLERS: 'a@x.iam'};

interface OtlpSpan {
  parentSpanId: string;
  traceState?: string;
}

/**
 * The spans a function exports for a request carrying a caller's trace,
 * sampled or not, and its tracestate.
 */
async function spansOf(
  service: string,
  env: Record<string, string>,
  sampled: boolean,
): Promise<OtlpSpan[]> {
  const receiver = await recordingServer((_req, res) => json(res, 200, {}));
  try {
    const config = parseConfig(service, {
      GOOGLE_CLOUD_PROJECT: 'p',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
      // Every request the entry serves traced, as in the local stack.
      OTEL_TRACES_SAMPLER_ARG: '1',
      ...env,
    });
    // Its lines go nowhere; its spans are what is looked at.
    const logger = new JsonLogger(service, 'info', {
      add: () => undefined,
    });
    const wiring = wiringFor(config, {logger});
    await request(frameworkServer(httpFunctionFor(config, wiring, [])))
      .get('/nowhere')
      .set({
        traceparent: `${TRACE}-${sampled ? '01' : '00'}`,
        tracestate: 'vendor=opaque',
      });
    await wiring.tracing.flush();
    return receiver.requests.flatMap(
      r =>
        (
          JSON.parse(r.body) as {
            resourceSpans: {scopeSpans: {spans: OtlpSpan[]}[]}[];
          }
        ).resourceSpans[0].scopeSpans[0].spans,
    );
  } finally {
    await receiver.close();
  }
}

describe('wiring: an entry function and an internal one', () => {
  it('at a function anyone may call, drops the caller’s tracestate and samples what the caller did not', async () => {
    const [span] = await spansOf('gateway', GATEWAY, true);
    expect(span.parentSpanId).to.equal('b7ad6b7169203331');
    expect(span.traceState ?? '').to.equal('');
    expect(await spansOf('gateway', GATEWAY, false)).to.have.length(1);
  });

  it('at one that checks its callers, keeps the tracestate and the caller’s decision not to sample', async () => {
    const [span] = await spansOf('order', ORDER, true);
    expect(span.parentSpanId).to.equal('b7ad6b7169203331');
    expect(span.traceState).to.equal('vendor=opaque');
    expect(await spansOf('order', ORDER, false)).to.have.length(0);
  });
});
