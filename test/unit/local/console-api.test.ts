/**
 * The console's JSON API and OTLP/HTTP receiver, served over real HTTP.
 */
import {expect} from 'chai';
import {get} from 'node:http';
import {LocalConsole} from '../../../local/console/server';
import {TraceStore} from '../../../local/console/traces';
import {accountsFor, ROOT} from '../../../local/functions';
import {loadTopology} from '../../../scripts/topology';
import {mesh, receive, TRACE} from '../../fixtures/otlp-export';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (res: Response): Promise<any> => res.json();

/** A console of `traces`, on any free port, for the tests of one describe. */
function consoleOf(traces: TraceStore) {
  let server: LocalConsole;
  let url = '';
  before(async () => {
    const topology = loadTopology();
    server = new LocalConsole({
      traces,
      topology,
      accounts: accountsFor(topology, 'p'),
      root: ROOT,
    });
    url = await server.listen(0);
  });
  after(() => server.close());
  return () => url;
}

describe('console API', () => {
  const traces = new TraceStore();
  for (const body of mesh) receive(traces, body);
  const urlOf = consoleOf(traces);
  let url: string;
  before(() => (url = urlOf()));

  it('answers only requests addressed to itself, so another site cannot read it through DNS rebinding', async () => {
    const {port} = new URL(url);
    const status = (host: string) =>
      new Promise<number>((resolve, reject) =>
        get(
          {host: '127.0.0.1', port, path: '/api/traces', headers: {Host: host}},
          res => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        ).on('error', reject),
      );
    expect(await status(`evil.example:${port}`)).to.equal(421);
    expect(await status('127.0.0.1')).to.equal(421);
    expect(await status(`127.0.0.1:${port}`)).to.equal(200);
    expect(await status(`localhost:${port}`)).to.equal(200);
  });

  it('serves the page', async () => {
    const res = await fetch(`${url}/`);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    expect(await res.text()).to.contain('/api/events');
  });

  it('serves the topology with accounts, ingress and invoker edges', async () => {
    const {functions} = await json(await fetch(`${url}/api/topology`));
    const order = functions.find((f: {name: string}) => f.name === 'order');
    expect(order).to.deep.include({
      ingress: 'internal-only',
      public: false,
      invokers: ['gateway', 'user'],
      serviceAccount: 'order-fn@p.iam.gserviceaccount.com',
    });
  });

  it('serves recent traces and one trace’s spans', async () => {
    const list = await json(await fetch(`${url}/api/traces?limit=1`));
    expect(list.traces.map((t: {traceId: string}) => t.traceId)).to.deep.equal([
      TRACE,
    ]);
    const trace = await json(await fetch(`${url}/api/traces/${TRACE}`));
    expect(trace.spans).to.have.length(6);
    expect(trace.spans[0]).to.include.keys(
      'spanId',
      'parentSpanId',
      'service',
      'name',
      'status',
      'startTime',
      'durationMs',
      'caller',
    );
  });

  const refusals: [string, number][] = [
    ['/api/traces?limit=0', 400],
    ['/api/traces?limit=201', 400],
    ['/api/traces?limit=x', 400],
    ['/api/traces/not-a-trace', 400],
    [`/api/traces/${'0'.repeat(32)}`, 404],
    ['/nothing', 404],
  ];
  refusals.forEach(([path, status]) =>
    it(`answers ${path} with a ${status} problem`, async () => {
      const res = await fetch(`${url}${path}`);
      expect(res.status).to.equal(status);
      expect(res.headers.get('content-type')).to.equal(
        'application/problem+json',
      );
      expect((await json(res)).status).to.equal(status);
    }),
  );

  it('sends the requests kept so far as server-sent events', async () => {
    const abort = new AbortController();
    const res = await fetch(`${url}/api/events`, {signal: abort.signal});
    expect(res.headers.get('content-type')).to.equal('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    while ((text.match(/^data: /gm) ?? []).length < 3)
      text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    const services = text
      .split('\n')
      .filter(l => l.startsWith('data: '))
      .map(l => JSON.parse(l.slice(6)).service);
    expect(services).to.deep.equal(['order', 'user', 'gateway']);
  });

  describe('as an OTLP/HTTP receiver (POST /v1/traces)', () => {
    const OTHER = '0af7651916cd43dd8448eb211c80319c';
    /** An export with one server span of `service` and a client span under it. */
    const exported = (traceId: string, service: string) => ({
      resourceSpans: [
        {
          resource: {
            attributes: [{key: 'service.name', value: {stringValue: service}}],
          },
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId: 'e'.repeat(16),
                  parentSpanId: 'a'.repeat(16),
                  name: 'GET /stock/widget-a',
                  kind: 2,
                  startTimeUnixNano: '1767225600010000000',
                  endTimeUnixNano: '1767225600015500000',
                  attributes: [
                    {
                      key: 'http.response.status_code',
                      value: {intValue: '200'},
                    },
                  ],
                },
                {
                  traceId,
                  spanId: 'f'.repeat(16),
                  parentSpanId: 'e'.repeat(16),
                  name: 'stock.get',
                  kind: 1,
                  startTimeUnixNano: '1767225600011000000',
                  endTimeUnixNano: '1767225600012000000',
                  attributes: [
                    {key: 'db.system', value: {stringValue: 'firestore'}},
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    const post = (body: unknown, type = 'application/json') =>
      fetch(`${url}/v1/traces`, {
        method: 'POST',
        headers: {'Content-Type': type},
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });

    it('shows a span posted from outside in its trace, beside the functions’ spans', async () => {
      const res = await post(exported(TRACE, 'inventory'));
      expect(res.status).to.equal(200);
      const trace = await json(await fetch(`${url}/api/traces/${TRACE}`));
      const inventory = trace.spans.filter(
        (s: {service: string}) => s.service === 'inventory',
      );
      expect(inventory.map((s: {kind: string}) => s.kind)).to.deep.equal([
        'request',
        'firestore',
      ]);
      expect(inventory[0]).to.deep.include({
        name: 'GET /stock/widget-a',
        status: 200,
        parentSpanId: 'a'.repeat(16),
        startTime: '2026-01-01T00:00:00.010Z',
        durationMs: 5.5,
      });
      // The functions' spans are still there.
      expect(
        trace.spans.some((s: {service: string}) => s.service === 'gateway'),
      ).to.equal(true);
      // A trace of its own appears in the list, as a request.
      await post(exported(OTHER, 'inventory'));
      const listed = await json(await fetch(`${url}/api/traces?limit=200`));
      expect(
        listed.traces.find((t: {traceId: string}) => t.traceId === OTHER),
      ).to.deep.include({method: 'GET', path: '/stock/widget-a', status: 200});
    });

    it('takes only JSON exports, and refuses the rest with a problem', async () => {
      const cases: [Promise<Response>, number][] = [
        [post(exported(TRACE, 'x'), 'text/plain'), 415],
        [post('{"resourceSpans": [', 'application/json'), 400],
        [
          post({resourceSpans: [{scopeSpans: [{spans: [{traceId: 'no'}]}]}]}),
          400,
        ],
        [post('x'.repeat((1 << 20) + 1)), 413],
        [fetch(`${url}/v1/traces`), 405],
      ];
      for (const [response, status] of cases) {
        const res = await response;
        expect(res.status).to.equal(status);
        expect(res.headers.get('content-type')).to.equal(
          'application/problem+json',
        );
      }
    });
  });
});

describe('console events, before anything is logged', () => {
  const urlOf = consoleOf(new TraceStore());

  it('answers the event stream at once, so that the page shows it live before the first event', async () => {
    const abort = new AbortController();
    // fetch settles once the status and headers have come: without them the
    // page's EventSource stays "connecting" however long nothing happens.
    const res = await fetch(`${urlOf()}/api/events`, {signal: abort.signal});
    abort.abort();
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('text/event-stream');
  });
});
