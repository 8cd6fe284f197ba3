/**
 * The local console's page in headless Chromium, on a stack in cloud mode
 * with its console: it finds a request made after it opened live, and draws
 * its three hops.
 *
 * CONSOLE_SCREENSHOT=<file.png> saves the trace view (the README's picture).
 */
import {expect} from 'chai';
import {existsSync} from 'node:fs';
import puppeteer, {type Browser} from 'puppeteer-core';
import type {Stack} from '../../local/stack';
import {bobOf, clientTrace} from '../fixtures/console';
import {sharedStack} from '../fixtures/stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('the local console, end to end', function () {
  this.timeout(60_000);
  const started = sharedStack('cloud', {withConsole: true});
  let stack: Stack;
  let consoleUrl: string;
  before(() => {
    ({stack} = started());
    consoleUrl = stack.info.console!;
  });
  const bob = () => bobOf(stack);

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
