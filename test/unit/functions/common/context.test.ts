import {expect} from 'chai';
import {createContext} from '../../../../functions/common/context';

const options = {projectId: 'p', requestTimeoutMs: 10_000, now: 1_000_000};

describe('createContext', () => {
  it('keeps a well-formed request id and replaces a bad one', () => {
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

  it('joins the trace of a valid traceparent, with a span of its own under the caller’s', () => {
    const ctx = createContext(
      {
        traceparent: '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01',
        'x-cloud-trace-context': 'ffffffffffffffffffffffffffffffff/123;o=1',
      },
      options,
    );
    expect(ctx.trace).to.include({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      parentSpanId: 'b7ad6b7169203331',
      sampled: true,
    });
    expect(ctx.trace.spanId).to.match(/^[\da-f]{16}$/);
    expect(ctx.trace.spanId).not.to.equal('b7ad6b7169203331');
    expect(ctx.spans).to.deep.equal([]);
  });

  it('keeps the caller’s sampling decision', () => {
    const ctx = createContext(
      {traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00'},
      options,
    );
    expect(ctx.trace.sampled).to.equal(false);
  });

  it('falls back to X-Cloud-Trace-Context, its decimal span id as the parent', () => {
    const ctx = createContext(
      {'x-cloud-trace-context': '0af7651916cd43dd8448eb211c80319c/123;o=0'},
      options,
    );
    expect(ctx.trace).to.include({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      parentSpanId: '000000000000007b',
      sampled: false,
    });
    const noSpan = createContext(
      {'x-cloud-trace-context': '0af7651916cd43dd8448eb211c80319c'},
      options,
    );
    expect(noSpan.trace).to.include({sampled: true, parentSpanId: undefined});
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
      'an unknown traceparent version',
      {traceparent: '01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'},
    ],
    ['a bad X-Cloud-Trace-Context', {'x-cloud-trace-context': 'x/y'}],
  ];
  malformed.forEach(([name, headers]) =>
    it(`starts a new sampled trace for ${name}`, () => {
      const ctx = createContext(headers, options);
      expect(ctx.trace.traceId).to.match(/^[\da-f]{32}$/);
      expect(ctx.trace.traceId).not.to.equal(
        '0af7651916cd43dd8448eb211c80319c',
      );
      expect(ctx.trace.parentSpanId).to.equal(undefined);
      expect(ctx.trace.sampled).to.equal(true);
    }),
  );

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

  it('collects child spans unless told there is no line to carry them', () => {
    expect(createContext({}, options).spans).to.deep.equal([]);
    expect(
      createContext({}, {...options, recordSpans: true}).spans,
    ).to.deep.equal([]);
    expect(createContext({}, {...options, recordSpans: false}).spans).to.equal(
      undefined,
    );
  });
});
