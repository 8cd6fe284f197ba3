/** Spans: what a request records of its calls and Firestore operations. */
import {expect} from 'chai';
import {
  inSpan,
  round,
  traceLogFields,
  traceOf,
  newSpanId,
  tracedStore,
  traceparentFor,
  type ChildSpan,
  type SpanSink,
} from '../../../../functions/common/trace';

const trace = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: '00f067aa0ba902b7',
  sampled: true,
};
const sink = (): SpanSink & {spans: ChildSpan[]} => ({trace, spans: []});

describe('trace', () => {
  it('names the trace, the span and the sampling for Cloud Logging', () => {
    expect(traceLogFields(trace, 'proj')).to.deep.equal({
      'logging.googleapis.com/trace':
        'projects/proj/traces/0af7651916cd43dd8448eb211c80319c',
      'logging.googleapis.com/spanId': '00f067aa0ba902b7',
      'logging.googleapis.com/trace_sampled': true,
    });
  });

  it('passes the trace on with the calling span as parent, and the sampling flag', () => {
    expect(traceparentFor(trace, 'b7ad6b7169203331')).to.equal(
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    );
    expect(
      traceparentFor({...trace, sampled: false}, 'b7ad6b7169203331'),
    ).to.equal('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00');
  });

  it('records a span with its time, status and outcome', async () => {
    const s = sink();
    const before = Date.now();
    const result = await inSpan(s, 'call', 'GET user /users/1', async span => {
      span.setStatus(200);
      await new Promise(r => setTimeout(r, 20));
      return 'answer';
    });
    expect(result).to.equal('answer');
    expect(s.spans).to.have.length(1);
    const [span] = s.spans;
    expect(span).to.include({
      kind: 'call',
      name: 'GET user /users/1',
      outcome: 'ok',
      status: 200,
    });
    expect(span.durationMs).to.be.within(15, 10_000);
    expect(Date.parse(span.startTime)).to.be.within(before, Date.now());
  });

  it('records a failed span with the outcome its error names, and rethrows', async () => {
    const s = sink();
    const error = new Error('down');
    const caught = await inSpan(
      s,
      'call',
      'x',
      async () => {
        throw error;
      },
      e => (e === error ? 'unavailable' : 'other'),
    ).catch(e => e);
    expect(caught).to.equal(error);
    expect(s.spans[0]).to.include({outcome: 'unavailable'});
    expect(s.spans[0]).not.to.have.property('status');
    await inSpan(s, 'call', 'y', async () => {
      throw error;
    }).catch(() => undefined);
    expect(s.spans[1]).to.include({outcome: 'error'});
  });

  it('records nothing, and still runs the work, without a sink', async () => {
    expect(await inSpan(undefined, 'call', 'x', async () => 7)).to.equal(7);
  });

  it('records each store method called during a request by name only, never its arguments', async () => {
    const store = {
      async get(id: string) {
        return {id, secret: 's3cr3t'};
      },
      label: 'not a method',
    };
    const s = sink();
    const traced = tracedStore(store, 'orders', s);
    expect(traced.label).to.equal('not a method');
    const doc = await traced.get('order-9');
    expect(doc).to.deep.equal({id: 'order-9', secret: 's3cr3t'});
    expect(s.spans).to.have.length(1);
    expect(s.spans[0]).to.include({
      kind: 'firestore',
      name: 'orders.get',
      outcome: 'ok',
    });
    expect(JSON.stringify(s.spans)).not.to.match(/order-9|s3cr3t/);
  });

  it('hands the store itself to a request that records no spans', () => {
    const store = {get: async () => 1};
    expect(tracedStore(store, 'orders', {trace: sink().trace})).to.equal(store);
  });

  it('draws ids from its pool of random bytes across refills, each of the right length and new', () => {
    // 1,000 span ids take 8,000 bytes: the 4 KiB pool is refilled twice.
    const spans = Array.from({length: 1000}, () => newSpanId());
    expect(spans.every(id => /^[\da-f]{16}$/.test(id))).to.equal(true);
    expect(new Set(spans).size).to.equal(spans.length);
    const traces = Array.from({length: 300}, () =>
      traceOf(undefined, undefined),
    );
    expect(traces.every(t => /^[\da-f]{32}$/.test(t.traceId))).to.equal(true);
    expect(new Set(traces.map(t => t.traceId)).size).to.equal(300);
  });

  it('rounds durations to a tenth of a millisecond', () => {
    expect([round(1.26), round(0.04), round(12.35)]).to.deep.equal([
      1.3, 0, 12.4,
    ]);
  });

  const valid = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const refused: [string, string][] = [
    ['junk before a traceparent', `x${valid}`],
    ['junk after a traceparent', `${valid}x`],
  ];
  refused.forEach(([name, traceparent]) =>
    it(`starts a new trace for ${name}`, () => {
      expect(traceOf(traceparent, undefined).traceId).not.to.equal(
        '0af7651916cd43dd8448eb211c80319c',
      );
    }),
  );

  it('keeps trace and span ids that merely end in zeros', () => {
    const t = traceOf(
      '00-0af7651916cd43dd8448eb211c803100-b7ad6b7169203300-01',
      undefined,
    );
    expect(t).to.include({
      traceId: '0af7651916cd43dd8448eb211c803100',
      parentSpanId: 'b7ad6b7169203300',
    });
    expect(
      traceOf(undefined, '0af7651916cd43dd8448eb211c803100/5').traceId,
    ).to.equal('0af7651916cd43dd8448eb211c803100');
  });

  it('reads X-Cloud-Trace-Context only whole, and a zero span id as no parent', () => {
    const id = '0af7651916cd43dd8448eb211c80319c';
    expect(traceOf(undefined, `x${id}/5`).traceId).not.to.equal(id);
    expect(traceOf(undefined, `${id}/5;o=1x`).traceId).not.to.equal(id);
    expect(traceOf(undefined, `${id}/0;o=1`)).to.include({
      traceId: id,
      parentSpanId: undefined,
    });
  });
});
