/**
 * The local console as a person uses it: a stack in cloud mode with its
 * console, a mesh request with a known traceparent, its trace through the
 * API (three hops with their parents and callers, Firestore under each),
 * a refused call as a refused hop, and the page in headless Chromium
 * finding the request live and drawing its three hops.
 *
 * CONSOLE_SCREENSHOT=<file.png> saves the trace view (the README's picture).
 */
import {expect} from 'chai';
import {existsSync} from 'node:fs';
import * as path from 'node:path';
import puppeteer, {type Browser} from 'puppeteer-core';
import type {SpanView} from '../../local/console/traces';
import {ROOT, startStack, type Stack} from '../../local/stack';
import {viaConnector} from '../fixtures/connector';
import {uniqueProjectId} from '../fixtures/emulator';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A trace id and the span id of the client that starts it. */
function clientTrace() {
  const hex = (n: number) =>
    Array.from({length: n}, () =>
      Math.floor(Math.random() * 16).toString(16),
    ).join('');
  const traceId = hex(32);
  const spanId = hex(16);
  return {traceId, spanId, traceparent: `00-${traceId}-${spanId}-01`};
}

describe('the local console, end to end', function () {
  this.timeout(60_000);
  let stack: Stack;
  let consoleUrl: string;

  before(async () => {
    stack = await startStack({
      mode: 'cloud',
      projectId: uniqueProjectId('console'),
      firestoreHost: process.env.FIRESTORE_EMULATOR_HOST,
      logs: path.join(ROOT, '.local', 'test-logs', uniqueProjectId('console')),
      consolePort: 0,
    });
    consoleUrl = stack.info.console!;
  });
  after(() => stack?.stop());

  /** The trace's spans once `ready` holds for them (lines arrive as functions finish). */
  async function spansOf(
    traceId: string,
    ready: (spans: SpanView[]) => boolean,
  ): Promise<SpanView[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const res = await fetch(`${consoleUrl}/api/traces/${traceId}`);
      const spans = res.ok
        ? ((await res.json()) as {spans: SpanView[]}).spans
        : [];
      if (ready(spans) || Date.now() > deadline) return spans;
      await new Promise(r => setTimeout(r, 50));
    }
  }
  const hops = (spans: SpanView[]) =>
    spans.filter(s => s.kind === 'request' || s.kind === 'refused');
  /** Bob's Authorization header: a seed user who is not an admin. */
  const bob = () =>
    `Bearer ${stack.identity.toolkit.idTokenFor('bob@example.com')}`;

  it('names its URL in stack.json’s info', () => {
    expect(consoleUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('shows a mesh request as three hops, each under the call that made it, with its caller and end user', async () => {
    const client = clientTrace();
    const res = await fetch(
      `${stack.info.urls.gateway}/api/user-orders/user-002`,
      {
        headers: {traceparent: client.traceparent, Authorization: bob()},
      },
    );
    expect(res.status).to.equal(200);
    const spans = await spansOf(client.traceId, s => hops(s).length === 3);
    const byId = new Map(spans.map(s => [s.spanId, s]));
    const hop = (service: string) => {
      const found = spans.find(
        s => s.kind === 'request' && s.service === service,
      );
      expect(found, service).not.to.equal(undefined);
      return found!;
    };
    const gateway = hop('gateway');
    const user = hop('user');
    const order = hop('order');
    expect(gateway.parentSpanId).to.equal(client.spanId);
    // Each hop's parent is a call span of the hop before it.
    const callerOf = (s: SpanView) =>
      byId.get(byId.get(s.parentSpanId!)!.parentSpanId!);
    expect(byId.get(user.parentSpanId!)).to.include({
      kind: 'call',
      service: 'gateway',
    });
    expect(callerOf(user)).to.equal(gateway);
    expect(byId.get(order.parentSpanId!)).to.include({
      kind: 'call',
      service: 'user',
    });
    expect(callerOf(order)).to.equal(user);

    expect(gateway).to.include({caller: 'anonymous', status: 200});
    expect(user).to.include({caller: stack.info.accounts.gateway, status: 200});
    expect(order).to.include({caller: stack.info.accounts.user, status: 200});
    expect(user.auth).to.deep.equal({check: 'platform'});
    // Every hop checked Bob's token itself, and let him see his own data.
    for (const hop of [gateway, user, order]) {
      expect(hop.endUser, hop.service).to.deep.equal({
        uid: 'user-002',
        admin: false,
      });
      expect(hop.access, hop.service).to.deep.equal({
        rule: 'signed-in',
        decision: 'allowed',
      });
    }
    // Firestore under the hops that keep data.
    const firestore = spans.filter(s => s.kind === 'firestore');
    expect(firestore.map(s => [s.service, s.name]).sort()).to.deep.equal([
      ['order', 'orders.list'],
      ['user', 'users.get'],
    ]);
    for (const s of firestore)
      expect(byId.get(s.parentSpanId!)?.kind).to.equal('request');
    // Nothing secret in any span.
    expect(JSON.stringify(spans)).not.to.match(/eyJ|Bearer|Bob|bob@/);
  });

  it("shows where a request for another user's data was refused, and why", async () => {
    const client = clientTrace();
    const res = await fetch(
      `${stack.info.urls.gateway}/api/user-orders/user-001`,
      {
        headers: {traceparent: client.traceparent, Authorization: bob()},
      },
    );
    expect(res.status).to.equal(404);
    // The gateway's rule refuses it: no hop further.
    const spans = await spansOf(client.traceId, s => hops(s).length === 1);
    const [gateway] = hops(spans);
    expect(gateway).to.deep.include({
      service: 'gateway',
      status: 404,
      endUser: {uid: 'user-002', admin: false},
      access: {
        rule: 'signed-in',
        decision: 'refused',
        reason: "another user's",
      },
    });
  });

  it('shows a call refused by a front end as a refused hop of its trace', async () => {
    const client = clientTrace();
    const res = await viaConnector(
      stack.info.connector!,
      `${stack.info.urls.user}/users`,
      {
        traceparent: client.traceparent,
      },
    );
    expect(res.status).to.equal(403);
    const [refused] = hops(
      await spansOf(client.traceId, s => hops(s).length > 0),
    );
    expect(refused).to.include({
      kind: 'refused',
      service: 'user front end',
      status: 403,
      parentSpanId: client.spanId,
    });
    expect(refused.auth?.refused).to.match(/not authenticated/);
  });

  it('shows a request that comes without a trace, answered 401 by the gateway, as one trace, not two', async () => {
    const listed = async () =>
      (
        (await (await fetch(`${consoleUrl}/api/traces?limit=200`)).json()) as {
          traces: {traceId: string; path: string; spanCount: number}[];
        }
      ).traces;
    const before = new Set((await listed()).map(t => t.traceId));
    const res = await fetch(`${stack.info.urls.gateway}/api/orders`);
    expect(res.status).to.equal(401);
    // The front end's line and the gateway's exported span, in either order.
    let fresh: {traceId: string; path: string; spanCount: number}[] = [];
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      fresh = (await listed()).filter(
        t => !before.has(t.traceId) && t.path === '/api/orders',
      );
      if (fresh.some(t => t.spanCount >= 2)) break;
      await new Promise(r => setTimeout(r, 50));
    }
    expect(fresh).to.have.length(1);
    const spans = await spansOf(fresh[0].traceId, s => s.length >= 2);
    const frontEnd = spans.find(s => s.kind === 'front-end')!;
    const gateway = spans.find(s => s.kind === 'request')!;
    expect(frontEnd).to.include({service: 'gateway front end', status: 401});
    // Google's front end starts the trace and passes it on: the function's
    // span is under its own.
    expect(gateway).to.include({service: 'gateway', status: 401});
    expect(gateway.parentSpanId).to.equal(frontEnd.spanId);
    expect(frontEnd.parentSpanId).to.equal(undefined);
  });

  describe('in a browser', () => {
    let browser: Browser | undefined;
    before(() => {
      if (!existsSync(CHROMIUM))
        throw new Error(
          `No Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`,
        );
    });
    after(() => browser?.close());

    it('finds a request in the live list, opens its trace and sees three hops', async () => {
      browser = await puppeteer.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-dev-shm-usage'],
      });
      const page = await browser.newPage();
      // A laptop's screen: every row must still read whole.
      await page.setViewport({width: 1280, height: 800});
      await page.goto(consoleUrl);
      await page.waitForSelector('#graph [data-function="order"]');
      // The request is made after the page is open: it must arrive live.
      // Page code, written as strings: this project's types have no DOM.
      await page.waitForFunction(
        "document.getElementById('status').textContent === 'live'",
      );
      const client = clientTrace();
      const res = await fetch(
        `${stack.info.urls.gateway}/api/user-orders/user-002`,
        {
          headers: {traceparent: client.traceparent, Authorization: bob()},
        },
      );
      expect(res.status).to.equal(200);
      const row = `.request-row[data-trace="${client.traceId}"][data-service="gateway"]`;
      await page.waitForSelector(row, {timeout: 5000});
      const hopsShown =
        "[...document.querySelectorAll('#trace .span[data-kind=request]')].map(s => s.dataset.service)";
      // The live list is drawn anew as lines arrive, so the row is found and
      // clicked in one step in the page, again until its trace is open.
      await page.waitForFunction(
        `(document.querySelector(${JSON.stringify(row)})?.click(), ${hopsShown}.length === 3)`,
        {timeout: 5000, polling: 200},
      );
      const services = await page.evaluate(hopsShown);
      expect(services).to.deep.equal(['gateway', 'user', 'order']);
      // Each front end's line of the request it passed on is in the trace
      // too: what each caller got.
      const frontEnds = await page.evaluate(
        '[...document.querySelectorAll(\'#trace .span[data-kind="front-end"]\')].map(s => s.dataset.service)',
      );
      expect(frontEnds).to.have.members([
        'gateway front end',
        'user front end',
        'order front end',
      ]);
      // Each hop names the end user and the decision, never the token.
      const details = await page.evaluate(
        "[...document.querySelectorAll('#trace .span[data-kind=request] .detail')].map(d => d.textContent)",
      );
      expect(details).to.have.length(3);
      for (const d of details as string[])
        expect(d).to.contain('end user user-002 · signed-in route: allowed');
      // The live list at 1280 px: each row's time, request, status and who
      // whole, not cut; newest first by when the request began; the
      // gateway's row names the end user.
      const rows = (await page.evaluate(
        `[...document.querySelectorAll('.request-row')].map(tr => ({
          service: tr.dataset.service,
          cells: [...tr.children].map(td => ({text: td.textContent, cut: td.scrollWidth > td.clientWidth})),
        }))`,
      )) as {service: string; cells: {text: string; cut: boolean}[]}[];
      expect(rows.length).to.be.at.least(3);
      for (const {cells} of rows)
        for (const column of [0, 2, 3, 5])
          expect(cells[column].cut, cells[column].text).to.equal(false);
      const times = rows.map(r => r.cells[0].text);
      expect(times).to.deep.equal([...times].sort().reverse());
      const gatewayRow = rows.find(r => r.service === 'gateway')!;
      expect(gatewayRow.cells[2].text).to.equal(
        'GET /api/user-orders/user-002',
      );
      expect(gatewayRow.cells[5].text).to.equal('user-002');
      if (process.env.CONSOLE_SCREENSHOT)
        await page.screenshot({
          path: process.env.CONSOLE_SCREENSHOT as `${string}.png`,
          fullPage: true,
        });
    });
  });
});
