/**
 * The console's page at a laptop's 1280×800 in Chromium, served by the
 * console itself over real HTTP, with traces as the functions and front
 * ends send them, made to be hard to show: routes with Firestore ids and
 * Identity Platform uids, a long query, front ends' names, more requests
 * than the list shows at once. Every function's name and every route reads
 * whole (wrapped if it must), the topology's boxes hold their text and no
 * arc crosses a label, with the project's functions and with a fourth
 * called from everywhere, and the trace chosen is in view, even with the
 * instances' notices above it all.
 */
import {expect} from 'chai';
import type {Browser, Page} from 'puppeteer-core';
import {LocalConsole} from '../../local/console/server';
import {TraceStore} from '../../local/console/traces';
import {readFileSync} from 'node:fs';
import * as path from 'node:path';
import {ROOT} from '../../local/functions';
import {
  loadTopology,
  parseTopology,
  type Topology,
} from '../../scripts/topology';
import {
  chooseRequest,
  expectClearDrawing,
  expectTraceInView,
  expectWholeRows,
  launchChromium,
  layoutOf,
  openConsole,
} from '../fixtures/console-page';
import {exportOf, receive} from '../fixtures/otlp-export';

/** An Identity Platform uid (28 letters and digits) and a Firestore document id (20). */
const UID = 'q8OBRRvkKegikbmm8XARZUa0NPdd';
const ORDER_ID = 'gpUMFTT4Cc9CTTTIGPu5';
const ACCOUNT = (name: string) =>
  `${name}-fn@a-project-id-of-thirty-chars.iam.gserviceaccount.com`;

/** A trace id from a number. */
const traceOf = (n: number) => n.toString(16).padStart(32, 'a');
/** A span id from a number and a hop. */
const spanOf = (n: number, hop: number) =>
  `${n.toString(16)}${hop}`.padStart(16, 'b');

/** One request as every hop saw it: [service, method, path] from the gateway in. */
type Hops = [string, string, string][];

/**
 * The spans of one request through `hops`, as the functions export them:
 * each hop's request span under the call of the one before, as `uid`.
 */
function exportsOf(n: number, hops: Hops, uid: string) {
  return hops.map(([service, method, path], i) =>
    exportOf(
      service,
      [
        {
          spanId: spanOf(n, 2 * i),
          ...(i === 0 ? {} : {parent: spanOf(n, 2 * i - 1)}),
          name: `${method} ${path}`,
          kind: 2,
          start: n * 100 + i,
          durationMs: 40 - i,
          attributes: {
            'http.request.method': method,
            'url.path': path,
            'http.response.status_code': 200,
            's2s.caller': i === 0 ? 'anonymous' : ACCOUNT(hops[i - 1][0]),
            's2s.auth.check': i === 0 ? 'none' : 'platform',
            'enduser.id': uid,
            's2s.end_user.admin': false,
          },
        },
        ...(i + 1 < hops.length
          ? [
              {
                spanId: spanOf(n, 2 * i + 1),
                parent: spanOf(n, 2 * i),
                name: `${hops[i + 1][1]} ${hops[i + 1][0]}`,
                kind: 3 as const,
                start: n * 100 + i,
                durationMs: 38 - i,
                attributes: {'http.response.status_code': 200},
              },
            ]
          : []),
      ],
      traceOf(n),
    ),
  );
}

/** A front end's refusal of a request, as local/front-end-log.ts writes it. */
function refusal(n: number, service: string, path: string): string {
  return JSON.stringify({
    severity: 'WARNING',
    message: 'The request was blocked by the ingress setting.',
    service,
    component: 'front-end',
    httpRequest: {requestMethod: 'GET', requestUrl: path, status: 404},
    'logging.googleapis.com/trace': `projects/p/traces/${traceOf(n)}`,
    'logging.googleapis.com/spanId': spanOf(n, 0),
    span: {startTime: new Date(1767225600000 + n * 100).toISOString()},
  });
}

const MESH = 1;
const LONG = 4;
const LONG_PATH = `/api/orders?limit=100&status=pending,cancelled&userId=${UID}&pageToken=${'Zm9v'.repeat(16)}`;
/** What each request's row must show: [trace, service, the request]. */
const shown: [string, string, string][] = [];

function filled(): TraceStore {
  const traces = new TraceStore();
  const request = (n: number, hops: Hops, uid = UID) => {
    for (const body of exportsOf(n, hops, uid)) receive(traces, body);
    for (const [service, method, path] of hops)
      shown.push([traceOf(n), service, `${method} ${path}`]);
  };
  request(MESH, [
    ['gateway', 'GET', `/api/user-orders/${UID}`],
    ['user', 'GET', `/users/${UID}/orders`],
    ['order', 'GET', `/orders/user/${UID}`],
  ]);
  request(2, [
    ['gateway', 'PATCH', `/api/orders/${ORDER_ID}/status`],
    ['order', 'PATCH', `/orders/${ORDER_ID}/status`],
  ]);
  request(3, [
    ['gateway', 'GET', `/api/user-orders-direct/${UID}`],
    ['user', 'GET', `/users/${UID}`],
  ]);
  request(LONG, [['gateway', 'GET', LONG_PATH]]);
  for (const [n, service, path] of [
    [5, 'order', `/orders/user/${UID}`],
    [6, 'gateway', '/api/aggregate'],
  ] as const) {
    traces.ingest(refusal(n, service, path));
    shown.push([traceOf(n), `${service} front end`, `GET ${path}`]);
  }
  // What the platform did to instances, shown above everything else.
  for (let n = 0; n < 3; n++)
    traces.notice({
      time: new Date(1767225600000 + n).toISOString(),
      service: 'order',
      severity: 'ERROR',
      message:
        'Memory limit of 512 MiB exceeded with 530 MiB used. Consider increasing the memory limit.',
    });
  // More than the list shows at once: the trace must still be in view.
  for (let n = 7; n < 30; n++)
    request(n, [['gateway', 'GET', '/api/users/user-002']], 'user-002');
  return traces;
}

/** The console of `topology` with `traces`, for the tests of one describe. */
function consoleOf(topology: Topology, traces = new TraceStore()) {
  let server: LocalConsole;
  let url = '';
  before(async () => {
    server = new LocalConsole({
      traces,
      topology,
      accounts: Object.fromEntries(
        topology.declared.map(f => [f.name, ACCOUNT(f.name)]),
      ),
      root: ROOT,
    });
    url = await server.listen(0);
  });
  after(() => server.close());
  return () => url;
}

describe('the console page at 1280×800', function () {
  this.timeout(60_000);
  let browser: Browser;
  before(async () => (browser = await launchChromium()));
  after(() => browser?.close());

  describe('with requests hard to show', () => {
    const urlOf = consoleOf(loadTopology(), filled());
    let page: Page;
    before(async () => {
      page = await openConsole(browser, urlOf());
      await page.waitForFunction(
        `document.querySelectorAll('.request-row').length === ${shown.length}`,
      );
    });

    it('shows every function’s name and every request whole, wrapped rather than cut', async () => {
      const {rows} = await layoutOf(page);
      expectWholeRows(rows);
      // Each row shows its function and its request exactly: nothing left out.
      expect(
        rows.map(r => [r.trace, r.cells[1].text, r.cells[2].text]),
      ).to.have.deep.members(shown);
      for (const row of rows) expect(row.cells[1].text).to.equal(row.service);
    });

    it('says of an end user the stack did not seed that it signed up', async () => {
      const {rows} = await layoutOf(page);
      const gateway = rows.find(
        r => r.trace === traceOf(MESH) && r.service === 'gateway',
      )!;
      expect(gateway.cells[5].text).to.equal(`${UID} (signed up)`);
      const seeded = rows.find(r => r.trace === traceOf(7))!;
      expect(seeded.cells[5].text).to.equal('user-002');
    });

    it('draws each box of the topology around its text, and no arc across a label', async () => {
      expectClearDrawing((await layoutOf(page)).drawing);
    });

    it('brings the trace chosen into view, each hop’s route whole', async () => {
      await chooseRequest(page, traceOf(MESH), 'gateway', 3);
      const layout = await layoutOf(page);
      expectTraceInView(layout);
      const hops = layout.spans.filter(s =>
        /^(gateway|user|order) /.test(s.text),
      );
      expect(hops.map(s => s.text.replace(/ 200 .*$/, ''))).to.deep.equal([
        `gateway GET /api/user-orders/${UID}`,
        `user GET /users/${UID}/orders`,
        `order GET /orders/user/${UID}`,
      ]);
      // A route longer than the span's column, wrapped.
      await chooseRequest(page, traceOf(LONG), 'gateway', 1);
      const long = await layoutOf(page);
      expectTraceInView(long);
      expect(long.spans[0].text).to.match(/^gateway GET (\S+) 200 /);
      expect(long.spans[0].text.split(' ')[2]).to.equal(LONG_PATH);
    });
  });

  describe('with a fourth function, called by every other', () => {
    const topology = parseTopology(
      (() => {
        const copy = JSON.parse(
          readFileSync(path.join(ROOT, 'topology.json'), 'utf8'),
        );
        copy.functions.inventory = {
          entryPoint: 'inventory',
          source: 'test/fixtures/inventory',
          serviceAccount: 'inventory-fn',
          ingress: 'internal-only',
          allowUnauthenticated: false,
          vpcEgress: false,
          calls: [],
          env: {},
          localPort: 8083,
          resources: copy.functions.order.resources,
        };
        for (const caller of ['gateway', 'user', 'order'])
          copy.functions[caller].calls.push('inventory');
        return copy;
      })(),
    );
    const urlOf = consoleOf(topology);

    it('draws each box around its text, and no arc across a label', async () => {
      const page = await openConsole(browser, urlOf());
      const {drawing} = await layoutOf(page);
      expect(drawing.boxes.map(b => b.name)).to.deep.equal([
        'gateway',
        'user',
        'order',
        'inventory',
      ]);
      expect(drawing.labels).to.have.length(6);
      expectClearDrawing(drawing);
    });
  });
});
