/**
 * The local console's API as a person's page uses it, on a stack in cloud
 * mode with its console: a mesh request with a known traceparent, its trace
 * (three hops with their parents and callers, Firestore under each), a
 * request refused by the gateway's rule or by a front end as a refused hop,
 * and a request that comes without a trace as one trace.
 */
import {expect} from 'chai';
import type {SpanView} from '../../local/console/traces';
import type {Stack} from '../../local/stack';
import {bobOf, clientTrace} from '../fixtures/console';
import {viaConnector} from '../fixtures/connector';
import {sharedStack} from '../fixtures/stack';

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
  /** The traces the console lists, newest first. */
  const listed = async () =>
    (
      (await (await fetch(`${consoleUrl}/api/traces?limit=200`)).json()) as {
        traces: {traceId: string; path: string; spanCount: number}[];
      }
    ).traces;
  /** The id of the one trace listed that is not in `before`, once there is one. */
  async function newTrace(before: Set<string>): Promise<string> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const fresh = (await listed()).filter(t => !before.has(t.traceId));
      if (fresh.length > 0 || Date.now() > deadline) {
        expect(fresh).to.have.length(1);
        return fresh[0].traceId;
      }
      await new Promise(r => setTimeout(r, 50));
    }
  }
  /** A mesh request's spans are all in: its three hops and their three front ends' lines. */
  const meshDone = (spans: SpanView[]) =>
    hops(spans).length === 3 &&
    spans.filter(s => s.kind === 'front-end').length === 3;
  /** The spans whose parent is not in the trace. */
  const roots = (spans: SpanView[]) => {
    const ids = new Set(spans.map(s => s.spanId));
    return spans.filter(
      s => s.parentSpanId === undefined || !ids.has(s.parentSpanId),
    );
  };

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
    const spans = await spansOf(client.traceId, meshDone);
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
    const parentOf = (s: SpanView) => byId.get(s.parentSpanId!);
    // Each hop's parent is its front end's span, whose parent is the call
    // span of the hop before it (the client's span for the gateway's).
    expect(parentOf(gateway)).to.include({
      kind: 'front-end',
      service: 'gateway front end',
      parentSpanId: client.spanId,
    });
    expect(parentOf(parentOf(user)!)).to.include({
      kind: 'call',
      service: 'gateway',
    });
    expect(parentOf(parentOf(parentOf(user)!)!)).to.equal(gateway);
    expect(parentOf(parentOf(order)!)).to.include({
      kind: 'call',
      service: 'user',
    });
    expect(parentOf(parentOf(parentOf(order)!)!)).to.equal(user);

    expect(gateway).to.include({caller: 'anonymous', status: 200});
    expect(user).to.include({caller: stack.info.accounts.gateway, status: 200});
    expect(order).to.include({caller: stack.info.accounts.user, status: 200});
    expect(user.auth).to.deep.equal({check: 'platform'});
    // Every hop checked Bob's token itself, and let him see his own data.
    for (const hop of [gateway, user, order]) {
      expect(hop.endUser, hop.service).to.deep.equal({
        uid: 'user-002',
        admin: false,
        account: 'seed',
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

  it('puts each function’s request span under its front end’s, with one root per trace, as on Cloud Run', async () => {
    for (const client of [clientTrace(), undefined]) {
      const before = new Set((await listed()).map(t => t.traceId));
      const res = await fetch(
        `${stack.info.urls.gateway}/api/user-orders/user-002`,
        {
          headers: {
            Authorization: bob(),
            ...(client && {traceparent: client.traceparent}),
          },
        },
      );
      expect(res.status).to.equal(200);
      const traceId = client?.traceId ?? (await newTrace(before));
      const spans = await spansOf(traceId, meshDone);
      const byId = new Map(spans.map(s => [s.spanId, s]));
      for (const service of ['gateway', 'user', 'order']) {
        const request = spans.find(
          s => s.kind === 'request' && s.service === service,
        )!;
        expect(byId.get(request.parentSpanId!), service).to.include({
          kind: 'front-end',
          service: `${service} front end`,
        });
      }
      // One root: the gateway's front end, under the client's span if any.
      expect(roots(spans)).to.have.length(1);
      expect(roots(spans)[0].service).to.equal('gateway front end');
      expect(roots(spans)[0].parentSpanId).to.equal(client?.spanId);
    }
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
      endUser: {uid: 'user-002', admin: false, account: 'seed'},
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
});
