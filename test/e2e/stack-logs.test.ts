/**
 * What the stack logs, in both modes: one JSON line per request from each
 * function it crossed, with its caller, and never a token.
 */
import {expect} from 'chai';
import {readFileSync} from 'node:fs';
import * as path from 'node:path';
import type {Stack} from '../../local/stack';
import {gatewayCalls, logEntries, MODES, sharedStack} from '../fixtures/stack';

for (const mode of MODES)
  describe(`the local stack in ${mode} mode, end to end: its logs`, function () {
    this.timeout(60_000);
    const started = sharedStack(mode);
    let stack: Stack;
    let logs: string;
    before(() => ({stack, logs} = started()));
    const {gw} = gatewayCalls(() => stack);

    it('writes one JSON log line per request, under the id the gateway issued, and never a token', async () => {
      const clientRequestId = `one-line-${mode}-${Date.now()}`;
      const res = await gw('/api/user-orders/user-001', {
        headers: {'X-Request-Id': clientRequestId},
      });
      expect(res.status).to.equal(200);
      // The gateway's id, not the client's: the one every hop logs.
      const requestId = res.headers.get('x-request-id');
      expect(requestId).to.be.a('string').and.not.equal(clientRequestId);
      // The request crossed all three functions: each wrote its line of it.
      const linesOf = (name: string) =>
        logEntries(logs, name).filter(e => e.requestId === requestId);
      const deadline = Date.now() + 5000;
      while (
        ['gateway', 'user', 'order'].some(n => linesOf(n).length === 0) &&
        Date.now() < deadline
      )
        await new Promise(r => setTimeout(r, 50));
      await new Promise(r => setTimeout(r, 200)); // room for a second line
      for (const name of ['gateway', 'user', 'order'])
        expect(linesOf(name), name).to.have.length(1);
      // The client's id is the gateway's line's alone, marked as the client's.
      expect(linesOf('gateway')[0]).to.include({clientRequestId});
      for (const name of ['user', 'order'])
        expect(linesOf(name)[0], name).not.to.have.property('clientRequestId');
      for (const name of ['gateway', 'user', 'order'])
        expect(
          logEntries(logs, name).filter(e => e.requestId === clientRequestId),
          name,
        ).to.deep.equal([]);

      const [request] = linesOf('gateway');
      expect(request).to.include({severity: 'INFO', service: 'gateway'});
      expect(request.httpRequest).to.include({
        requestMethod: 'GET',
        requestUrl: '/api/user-orders/user-001',
        status: 200,
      });
      expect(request.httpRequest).to.include.keys('latency');
      expect(linesOf('user')[0].caller).to.equal(stack.info.accounts.gateway);
      expect(linesOf('order')[0].caller).to.equal(stack.info.accounts.user);
      for (const name of ['gateway', 'user', 'order']) {
        expect(
          readFileSync(path.join(logs, `${name}.log`), 'utf8'),
        ).not.to.match(/eyJ[\w-]+\.eyJ|Bearer /);
      }
    });

    it("prints no framework banner: a function's port behind its front end is not shown", () => {
      for (const name of ['gateway', 'user', 'order']) {
        expect(
          readFileSync(path.join(logs, `${name}.log`), 'utf8'),
        ).not.to.match(/Serving function|URL: http/);
      }
    });
  });
