/**
 * The local console's page in headless Chromium at 1280×800, on a stack in
 * cloud mode with its console, as a person meets it in their first hour:
 * it finds a request made after it opened live and draws its three hops;
 * after test.sh has run against the stack, every function and route of the
 * run reads whole and test.sh's users are told apart from the seed users,
 * never by an email or a token; the topology is clear and the trace chosen
 * is in view.
 *
 * CONSOLE_SCREENSHOT=<file.png> saves the window after a mesh, a direct
 * and a create-order request of a signed-up user, the mesh request chosen
 * (docs/console.png).
 */
import {expect} from 'chai';
import {randomBytes} from 'node:crypto';
import * as path from 'node:path';
import type {Browser, Page} from 'puppeteer-core';
import {ROOT, type Stack} from '../../local/stack';
import {call} from '../fixtures/call';
import {bobOf, clientTrace} from '../fixtures/console';
import {
  chooseRequest,
  expectClearDrawing,
  expectTraceInView,
  expectWholeRows,
  launchChromium,
  layoutOf,
  openConsole,
} from '../fixtures/console-page';
import {signIn} from '../fixtures/end-users';
import {runProcess} from '../fixtures/run-process';
import {sharedStack} from '../fixtures/stack';

describe('the local console, end to end', function () {
  this.timeout(60_000);
  const started = sharedStack('cloud', {withConsole: true});
  let stack: Stack;
  before(() => ({stack} = started()));
  const bob = () => bobOf(stack);

  describe('in a browser', () => {
    let browser: Browser;
    let page: Page;
    before(async () => {
      browser = await launchChromium();
      page = await openConsole(browser, stack.info.console!);
    });
    after(() => browser?.close());

    /** A request to the gateway as `authorization`, in a trace of the client's; resolves to its trace id. */
    async function as(
      authorization: string,
      route: string,
      init: RequestInit = {},
    ) {
      const client = clientTrace();
      const res = await fetch(`${stack.info.urls.gateway}${route}`, {
        ...init,
        headers: {
          traceparent: client.traceparent,
          Authorization: authorization,
          ...(init.body === undefined
            ? {}
            : {'Content-Type': 'application/json'}),
        },
      });
      expect(res.status, route).to.be.oneOf([200, 201]);
      await res.arrayBuffer();
      return client.traceId;
    }

    /**
     * An end user signed up through the Identity Toolkit API as test.sh
     * signs its own up, its address verified by the admin API, with a
     * profile: its uid and Authorization header.
     */
    async function signedUp(): Promise<{uid: string; authorization: string}> {
      const {endUsers} = stack.info;
      const email = `console-${Date.now()}@example.com`;
      const password = randomBytes(12).toString('base64url');
      const {localId} = await signIn(stack, email, 'signUp', password);
      const verified = await call(
        `${endUsers.identityToolkit}/v1/accounts:update`,
        {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Authorization: `Bearer ${endUsers.adminToken}`,
          },
          body: JSON.stringify({localId, emailVerified: true}),
        },
      );
      expect(verified.status).to.equal(200);
      const {idToken} = await signIn(
        stack,
        email,
        'signInWithPassword',
        password,
      );
      const authorization = `Bearer ${idToken}`;
      await as(authorization, '/api/users', {
        method: 'POST',
        body: JSON.stringify({name: 'Console User'}),
      });
      return {uid: localId, authorization};
    }

    it('finds a request in the live list, opens its trace and sees three hops', async () => {
      // The request is made after the page is open: it must arrive live.
      const traceId = await as(bob(), '/api/user-orders/user-002');
      await chooseRequest(page, traceId, 'gateway', 3);
      const hopsShown =
        "[...document.querySelectorAll('#trace .span[data-kind=request]')].map(s => s.dataset.service)";
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
      const {rows} = await layoutOf(page);
      expectWholeRows(rows);
      const times = rows.map(r => r.cells[0].text);
      expect(times).to.deep.equal([...times].sort().reverse());
      const gateway = rows.find(
        r => r.trace === traceId && r.service === 'gateway',
      )!;
      expect(gateway.cells[2].text).to.equal('GET /api/user-orders/user-002');
      expect(gateway.cells[5].text).to.equal('user-002');
    });

    it("shows test.sh's run whole, its users as signed up, never by an email or a token", async function () {
      this.timeout(120_000);
      const {info} = stack;
      const run = await runProcess(
        'bash',
        [path.join(ROOT, 'test.sh'), info.urls.gateway],
        {
          ...process.env,
          USER_URL: info.urls.user,
          ORDER_URL: info.urls.order,
          FIRESTORE_EMULATOR_HOST: info.firestore,
          PROJECT_ID: info.projectId,
          STACK_MODE: 'cloud',
          IDENTITY_TOOLKIT_URL: info.endUsers.identityToolkit,
          API_KEY: info.endUsers.apiKey,
          ADMIN_ACCESS_TOKEN: info.endUsers.adminToken,
        },
      );
      expect(run.status, run.output).to.equal(0);
      const [user, admin] = [
        ...run.output.matchAll(/cleaned up end user (\w{28})/g),
      ].map(m => m[1]);
      const order = /cleaned up orders\/(\w+)/.exec(run.output)![1];
      // The run's last request: its user cancels the order it placed.
      const patch = `PATCH /api/orders/${order}/status`;
      await page.waitForFunction(
        `[...document.querySelectorAll('.request-row')].some(r => r.children[2].textContent === ${JSON.stringify(patch)})`,
        {timeout: 10_000},
      );
      const {rows} = await layoutOf(page);
      expectWholeRows(rows);
      const requests = rows.map(r => r.cells[2].text);
      expect(requests).to.include.members([
        patch,
        `GET /api/user-orders-direct/${user}`,
        `GET /orders/user/${user}`,
      ]);
      // Its calls from outside to the internal functions, refused by their
      // front ends, each named whole.
      expect(rows.map(r => r.cells[1].text)).to.include.members([
        'user front end',
        'order front end',
      ]);
      const who = rows.map(r => r.cells[5].text);
      expect(who).to.include(`${user} (signed up)`);
      expect(who).to.include(`${admin} (signed up, admin)`);
      const text = (await page.evaluate('document.body.innerText')) as string;
      expect(text).not.to.match(/@example\.com|eyJ/);
    });

    it('draws the topology clear and brings the trace chosen into view', async () => {
      // A user of the kind test.sh makes: its routes carry its long uid.
      const {uid, authorization} = await signedUp();
      await as(authorization, `/api/user-orders-direct/${uid}`);
      await as(authorization, '/api/orders', {
        method: 'POST',
        body: JSON.stringify({
          items: [{product: 'Widget C', quantity: 3, price: 15.99}],
        }),
      });
      const mesh = await as(authorization, `/api/user-orders/${uid}`);
      await chooseRequest(page, mesh, 'gateway', 3);
      const layout = await layoutOf(page);
      expectClearDrawing(layout.drawing);
      expectWholeRows(layout.rows);
      expect(layout.rows.map(r => r.cells[2].text)).to.include.members([
        `GET /api/user-orders/${uid}`,
        `GET /api/user-orders-direct/${uid}`,
        'POST /api/orders',
      ]);
      expectTraceInView(layout);
      // At this size the page has room for it: nothing moved to show it.
      expect(layout.trace.scrollY).to.equal(0);
      if (process.env.CONSOLE_SCREENSHOT)
        await page.screenshot({
          path: process.env.CONSOLE_SCREENSHOT as `${string}.png`,
        });
    });
  });
});
