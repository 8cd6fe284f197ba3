/**
 * What the console keeps of what it is sent: bounded in count and size
 * whatever arrives, over OTLP or in lines, and never a whole batch lost to
 * one span.
 */
import {expect} from 'chai';
import {
  MAX_BODY_BYTES,
  MAX_LINE_CHARS,
  MAX_SPANS,
  MAX_TEXT_CHARS,
  MAX_TRACES,
} from '../../../local/console/limits';
import {exportTraceRequest, spansOfExport} from '../../../local/console/otlp';
import {LocalConsole} from '../../../local/console/server';
import {TraceStore} from '../../../local/console/traces';
import {accountsFor, ROOT} from '../../../local/functions';
import {loadTopology} from '../../../scripts/topology';

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
    expect(spans[0].span.name.length).to.equal(MAX_TEXT_CHARS);
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

  describe('sent much more than it keeps', () => {
    const store = new TraceStore();
    let server: LocalConsole;
    let url: string;
    before(async () => {
      const topology = loadTopology();
      server = new LocalConsole({
        traces: store,
        topology,
        accounts: accountsFor(topology, 'p'),
        root: ROOT,
      });
      url = await server.listen(0);
    });
    after(() => server.close());

    /** Everything the store keeps: its traces' spans, and the live list. */
    function kept(): {spans: unknown[]; events: unknown[]} {
      const spans = store
        .list(Number.MAX_SAFE_INTEGER)
        .flatMap(t => store.get(t.traceId)!.spans);
      return {spans, events: store.recent};
    }

    /** Every string in `value`, however deep. */
    function strings(value: unknown): string[] {
      if (typeof value === 'string') return [value];
      if (typeof value !== 'object' || value === null) return [];
      return Object.values(value).flatMap(strings);
    }

    /** A text field is at most MAX_TEXT_CHARS, and a span has fewer than 16 of them. */
    const SPAN_BOUND = 16 * (MAX_TEXT_CHARS + 32);

    function expectBounded() {
      const {spans, events} = kept();
      expect(spans.length).to.be.at.most(MAX_SPANS);
      expect(events.length).to.be.at.most(MAX_TRACES);
      const longest = strings([spans, events]).reduce(
        (most, t) => Math.max(most, t.length),
        0,
      );
      expect(longest).to.be.at.most(MAX_TEXT_CHARS);
      expect(JSON.stringify(spans).length).to.be.at.most(
        MAX_SPANS * SPAN_BOUND,
      );
      expect(JSON.stringify(events).length).to.be.at.most(
        MAX_TRACES * SPAN_BOUND,
      );
    }

    it('keeps at most its spans, each text cut, of many large OTLP posts', async () => {
      const long = (c: string) => c.repeat(600);
      const spansPerPost = 1000;
      const LONG_SPANS = 180;
      const posts = MAX_SPANS / spansPerPost + 5;
      const traceIdOf = (post: number) =>
        (post + 1).toString(16).padStart(32, '0');
      let sent = 0;
      for (let post = 0; post < posts; post++) {
        const traceId = traceIdOf(post);
        const attributes = (i: number) =>
          [
            ['s2s.caller', long('c')],
            ['url.path', `/${long('p')}`],
            ['enduser.id', long('u')],
            ['s2s.access.rule', long('r')],
            ['s2s.access.decision', long('d')],
            ['http.response.status_code', 200],
          ].map(([key, value]) => ({
            key,
            value:
              typeof value === 'number'
                ? {intValue: String(value)}
                : {stringValue: `${value}${i}`},
          }));
        const body = JSON.stringify({
          resourceSpans: [
            {
              resource: {
                attributes: [
                  {key: 'service.name', value: {stringValue: long('s')}},
                ],
              },
              scopeSpans: [
                {
                  spans: Array.from({length: spansPerPost}, (_, i) => ({
                    traceId,
                    spanId: spanId(i + 1),
                    name: i < LONG_SPANS ? `GET ${long('n')}` : 'GET /',
                    kind: 2,
                    startTimeUnixNano: '1700000000000000000',
                    endTimeUnixNano: '1700000000001000000',
                    // Long values on a few spans fill the body to its limit.
                    attributes: i < LONG_SPANS ? attributes(i) : [],
                  })),
                },
              ],
            },
          ],
        });
        expect(body.length).to.be.within(MAX_BODY_BYTES / 2, MAX_BODY_BYTES);
        const res = await fetch(`${url}/v1/traces`, {
          method: 'POST',
          headers: {'Content-Type': 'application/json'},
          body,
        });
        expect(res.status).to.equal(200);
        sent += body.length;
      }
      expect(sent).to.be.above(10 * MAX_BODY_BYTES);
      expectBounded();
      // The newest are kept, the oldest forgotten.
      expect(kept().spans).to.have.length(MAX_SPANS);
      expect(store.get(traceIdOf(posts - 1))).not.to.equal(undefined);
      expect(store.get(traceIdOf(0))).to.equal(undefined);
    });

    it('refuses a body over its limit with 413, and keeps nothing of it', async () => {
      const before = JSON.stringify(kept());
      const res = await fetch(`${url}/v1/traces`, {
        method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: ' '.repeat(MAX_BODY_BYTES + 1),
      });
      expect(res.status).to.equal(413);
      expect(JSON.stringify(kept())).to.equal(before);
    });

    it('keeps at most its traces, each text cut, of many long lines', () => {
      const long = (c: string) => c.repeat(10_000);
      for (let i = 0; i < 2 * MAX_TRACES; i++)
        store.ingest(
          JSON.stringify({
            severity: 'WARNING',
            message: long('m'),
            service: long('s'),
            component: 'front-end',
            httpRequest: {
              requestMethod: long('M'),
              requestUrl: `/${long('u')}`,
              status: 403,
            },
            caller: long('c'),
            'logging.googleapis.com/trace': `projects/p/traces/${(i + 1).toString(16).padStart(32, 'f')}`,
            'logging.googleapis.com/spanId': spanId(i + 1),
            span: {startTime: '2026-01-01T00:00:00.000Z', durationMs: 0},
          }),
        );
      expectBounded();
      expect(store.recent).to.have.length(MAX_TRACES);
    });

    it('reads no line longer than any a front end writes', () => {
      const seen = store.recent.length;
      const line = JSON.stringify({
        component: 'front-end',
        service: 'user',
        message: 'x'.repeat(MAX_LINE_CHARS),
        httpRequest: {requestMethod: 'GET', requestUrl: '/', status: 403},
        'logging.googleapis.com/trace': `projects/p/traces/${'e'.repeat(32)}`,
        'logging.googleapis.com/spanId': 'e'.repeat(16),
        span: {startTime: '2026-01-01T00:00:00.000Z', durationMs: 0},
      });
      store.ingest(line);
      expect(store.get('e'.repeat(32))).to.equal(undefined);
      expect(store.recent.length).to.equal(seen);
    });
  });
});
