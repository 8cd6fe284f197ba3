/** What the console keeps of what it is sent: bounded, and never a whole batch lost to one span. */
import {expect} from 'chai';
import {exportTraceRequest, spansOfExport} from '../../../local/console/otlp';
import {TraceStore} from '../../../local/console/traces';

const TRACE = '0af7651916cd43dd8448eb211c80319c';

function exportOf(spans: {spanId: string; name: string}[]) {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [{key: 'service.name', value: {stringValue: 'user'}}],
        },
        scopeSpans: [
          {
            spans: spans.map(s => ({
              traceId: TRACE,
              spanId: s.spanId,
              name: s.name,
              kind: 3,
              startTimeUnixNano: '1700000000000000000',
              endTimeUnixNano: '1700000000001000000',
              attributes: [],
            })),
          },
        ],
      },
    ],
  };
}

const spanId = (i: number) => i.toString(16).padStart(16, '0');

describe('the console, at its limits', () => {
  it('keeps a batch with a span whose name is very long, the name cut', () => {
    const parsed = exportTraceRequest.parse(
      exportOf([
        {spanId: spanId(1), name: 'x'.repeat(20_000)},
        {spanId: spanId(2), name: 'orders.list'},
      ]),
    );
    const spans = spansOfExport(parsed);
    expect(spans).to.have.length(2);
    expect(spans[0].span.name.length).to.be.at.most(500);
  });

  it('holds at most a thousand spans of one trace, however many are sent', () => {
    const store = new TraceStore();
    for (let batch = 0; batch < 3; batch++) {
      const parsed = exportTraceRequest.parse(
        exportOf(
          Array.from({length: 600}, (_, i) => ({
            spanId: spanId(batch * 600 + i + 1),
            name: 'orders.list',
          })),
        ),
      );
      for (const {traceId, span, event} of spansOfExport(parsed))
        store.add(traceId, [span], event);
    }
    expect(store.get(TRACE)!.spans).to.have.length(1000);
  });
});
