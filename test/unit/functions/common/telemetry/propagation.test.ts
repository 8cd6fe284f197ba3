/** Which caller's span a request joins, from its headers, and what it passes on. */
import {
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Context,
} from '@opentelemetry/api';
import {expect} from 'chai';
import {
  extractTrace,
  injectTrace,
} from '../../../../../functions/common/telemetry/propagation';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

/** The caller's span `context` holds, or undefined. */
function callerOf(context: Context) {
  const span = trace.getSpanContext(context);
  return (
    span && {
      traceId: span.traceId,
      spanId: span.spanId,
      sampled: span.traceFlags === TraceFlags.SAMPLED,
      isRemote: span.isRemote,
    }
  );
}

describe('extractTrace', () => {
  it('joins the caller’s span in a well-formed traceparent', () => {
    expect(
      callerOf(extractTrace({traceparent: `00-${TRACE}-${SPAN}-01`})),
    ).to.deep.equal({
      traceId: TRACE,
      spanId: SPAN,
      sampled: true,
      isRemote: true,
    });
    expect(
      callerOf(
        extractTrace({
          traceparent: `00-${TRACE}-${SPAN}-00`,
          'x-cloud-trace-context': `${'1'.repeat(32)}/5;o=1`,
        }),
      ),
    ).to.deep.equal({
      traceId: TRACE,
      spanId: SPAN,
      sampled: false,
      isRemote: true,
    });
  });

  it('joins the span an X-Cloud-Trace-Context names, its decimal id as hex', () => {
    for (const [header, spanId, sampled] of [
      [`${TRACE}/1;o=1`, '0000000000000001', true],
      [`${TRACE}/13235353014750950193;o=0`, SPAN, false],
      [`${TRACE}/255`, '00000000000000ff', false],
      [`${TRACE.toUpperCase()}/4096;o=1`, '0000000000001000', true],
      // 2^64 + 16: only the low 64 bits make a span id.
      [`${TRACE}/18446744073709551632;o=1`, '0000000000000010', true],
    ] as [string, string, boolean][])
      expect(
        callerOf(
          extractTrace({
            traceparent: 'not-a-traceparent',
            'x-cloud-trace-context': header,
          }),
        ),
        header,
      ).to.deep.equal({traceId: TRACE, spanId, sampled, isRemote: true});
  });

  it('reads the first X-Cloud-Trace-Context of several', () =>
    expect(
      callerOf(
        extractTrace({
          'x-cloud-trace-context': [`${TRACE}/16;o=1`, `${'2'.repeat(32)}/1`],
        } as never),
      ),
    ).to.deep.equal({
      traceId: TRACE,
      spanId: '0000000000000010',
      sampled: true,
      isRemote: true,
    }));

  it('starts a trace when neither header names a span', () => {
    for (const headers of [
      {},
      {traceparent: `00-${TRACE}-${SPAN}`},
      {'x-cloud-trace-context': TRACE},
      {'x-cloud-trace-context': `${TRACE};o=1`},
      {'x-cloud-trace-context': `${TRACE}/0;o=1`},
      {'x-cloud-trace-context': `${TRACE}/12;o=2`},
      {'x-cloud-trace-context': `${TRACE}/12;o=1x`},
      {'x-cloud-trace-context': `x${TRACE}/12`},
      {'x-cloud-trace-context': `${TRACE.slice(1)}/12`},
      {'x-cloud-trace-context': `${TRACE}/1${'0'.repeat(20)}`},
      {'x-cloud-trace-context': `${TRACE}/x;o=1`},
      {'x-cloud-trace-context': []},
    ])
      expect(extractTrace(headers as never), JSON.stringify(headers)).to.equal(
        ROOT_CONTEXT,
      );
  });
});

describe('injectTrace', () => {
  it('passes on the span of the context as traceparent', () => {
    const headers: Record<string, string> = {accept: 'application/json'};
    injectTrace(extractTrace({traceparent: `00-${TRACE}-${SPAN}-01`}), headers);
    expect(headers).to.deep.equal({
      accept: 'application/json',
      traceparent: `00-${TRACE}-${SPAN}-01`,
    });
  });

  it('passes nothing on without a span', () => {
    const headers: Record<string, string> = {};
    injectTrace(ROOT_CONTEXT, headers);
    expect(headers).to.deep.equal({});
  });
});
