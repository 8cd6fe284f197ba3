import {expect} from 'chai';
import {createContext} from '../../../functions/common/context';

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
    expect(createContext({}, options).requestId).to.match(/^[0-9a-f-]{36}$/);
  });

  it('forwards valid trace headers and names the trace for logs', () => {
    const traceparent =
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const ctx = createContext(
      {
        traceparent,
        'x-cloud-trace-context': '0af7651916cd43dd8448eb211c80319c/123;o=1',
      },
      options,
    );
    expect(ctx.traceHeaders).to.deep.equal({
      traceparent,
      'x-cloud-trace-context': '0af7651916cd43dd8448eb211c80319c/123;o=1',
    });
    expect(ctx.trace).to.equal(
      'projects/p/traces/0af7651916cd43dd8448eb211c80319c',
    );
  });

  it('drops malformed trace headers', () => {
    const ctx = createContext(
      {traceparent: 'nope', 'x-cloud-trace-context': 'x/y'},
      options,
    );
    expect(ctx.traceHeaders).to.deep.equal({});
    expect(ctx.trace).to.equal(undefined);
  });

  it('lets a caller shorten the deadline but never extend it', () => {
    expect(
      createContext({'x-request-budget-ms': '250'}, options).deadline,
    ).to.equal(1_000_250);
    expect(
      createContext({'x-request-budget-ms': '99999999'}, options).deadline,
    ).to.equal(1_010_000);
    expect(
      createContext({'x-request-budget-ms': '-5'}, options).deadline,
    ).to.equal(1_010_000);
  });
});
