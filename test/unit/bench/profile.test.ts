/**
 * `npm run profile`'s shares, from a made-up profile whose every sample's
 * place is known: logging and tracing count what our logging code runs,
 * including what it calls in Node, and nothing a span merely wraps.
 */
import {expect} from 'chai';
import {isTelemetry, sharesOf} from '../../../bench/profile';

const ROOT = '/app/build/';
const frame = (functionName: string, file = '') => ({
  functionName,
  url: file === '' ? '' : file.startsWith('node:') ? file : ROOT + file,
  lineNumber: 1,
});

/**
 * A tree of frames, each with its self time in samples of 1 ms:
 * [functionName, file, selfMs, children].
 */
type Tree = [string, string, number, Tree[]?];

function profileOf(trees: Tree[]) {
  const nodes: {
    id: number;
    callFrame: ReturnType<typeof frame>;
    children: number[];
  }[] = [];
  const samples: number[] = [];
  const add = ([name, file, selfMs, children = []]: Tree): number => {
    const id = nodes.length + 1;
    const node = {id, callFrame: frame(name, file), children: [] as number[]};
    nodes.push(node);
    for (let i = 0; i < selfMs; i++) samples.push(id);
    node.children = children.map(add);
    return id;
  };
  add(['(root)', '', 0, trees]);
  return {nodes, samples, timeDeltas: samples.map(() => 1000)};
}

describe('bench/profile', () => {
  it('counts the logger, the request line and spans as logging and tracing', () => {
    expect(isTelemetry('functions/common/telemetry/logger.js', 'log')).to.equal(
      true,
    );
    expect(
      isTelemetry('functions/common/http/request-log.js', 'logRequest'),
    ).to.equal(true);
    expect(
      isTelemetry('functions/common/http/request-log.js', 'endRequestSpan'),
    ).to.equal(true);
    expect(
      isTelemetry('functions/common/telemetry/tracing.js', 'inSpan'),
    ).to.equal(true);
  });

  it('does not count what a request needs with logging off too', () => {
    for (const name of ['extractTrace', 'injectTrace'])
      expect(
        isTelemetry('functions/common/telemetry/propagation.js', name),
        name,
      ).to.equal(false);
    expect(isTelemetry('functions/common/http/http-function.js', '')).to.equal(
      false,
    );
    expect(isTelemetry('functions/common/http/router.js', 'match')).to.equal(
      false,
    );
  });

  it('gives each sample to the nearest function of ours on its stack', () => {
    const shares = sharesOf(
      profileOf([
        ['(idle)', '', 50],
        ['(garbage collector)', '', 10],
        [
          '',
          'functions/common/http/http-function.js',
          20,
          [
            // The request line with what it calls in Node: 8 + 7 + 5.
            [
              'logRequest',
              'functions/common/http/http-function.js',
              3,
              [
                [
                  'log',
                  'functions/common/telemetry/logger.js',
                  5,
                  [['stringify', '', 2]],
                ],
              ],
            ],
            // A child span: its own time counts (4 + 1), the Firestore
            // call it wraps does not (the store's 6, the client's 30).
            [
              'inSpan',
              'functions/common/telemetry/tracing.js',
              4,
              [
                ['startSpan', 'node_modules/@opentelemetry/sdk-trace/x.js', 1],
                [
                  'list',
                  'functions/order/store.js',
                  6,
                  [['query', 'node_modules/@google-cloud/firestore/x.js', 30]],
                ],
              ],
            ],
            // Propagation runs with logging off too, and what it calls.
            [
              'injectTrace',
              'functions/common/telemetry/propagation.js',
              3,
              [['inject', 'node_modules/@opentelemetry/core/x.js', 2]],
            ],
          ],
        ],
        // A batch of spans exported from the SDK's timer, with its write.
        [
          'listOnTimeout',
          'node:internal/timers',
          1,
          [
            [
              '_flushOneBatch',
              'node_modules/@opentelemetry/sdk-trace/y.js',
              2,
              [['writev', 'node:net', 3]],
            ],
          ],
        ],
        // The held lines' write, from Node's setImmediate.
        [
          'processImmediate',
          'node:internal/timers',
          2,
          [
            [
              '',
              'functions/common/telemetry/logger.js',
              1,
              [['writeUtf8String', '', 13]],
            ],
          ],
        ],
      ]),
    );
    // Busy: everything but idle, 108 ms; logging and tracing 3 + 5 + 2 +
    // 4 + 1 + 2 + 3 + 1 + 13 = 34 ms.
    expect(shares.totalMs).to.equal(108);
    expect(shares.telemetry).to.equal(31.5);
  });
});
