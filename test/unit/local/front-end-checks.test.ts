/**
 * The local Cloud Run front end's checks, alone (test/fixtures/front-end.ts):
 * ingress before any token, each refusal from inside the VPC with Google's
 * page and a log line, an invoker passed on with its token's signature
 * replaced, X-Serverless-Authorization checked and Authorization untouched.
 */
import {expect} from 'chai';
import {SIGNATURE_REMOVED} from '../../../local/front-end';
import {waitFor} from '../../../local/processes';
import {
  frontEndDoors,
  SELF,
  type Kit,
  type Recording,
} from '../../fixtures/front-end';

describe('CloudRunFrontEnd: its checks', () => {
  const {door, bearer, logged, started} = frontEndDoors();
  let kit: Kit;
  let fn: Recording;
  before(() => ({kit, fn} = started()));

  it('answers 404 to a request from outside the VPC before looking at any token', async () => {
    const outside = await door('internet');
    const seen = fn.requests.length;
    const tries: Record<string, string>[] = [
      {},
      {Authorization: bearer('gateway')},
    ];
    for (const headers of tries) {
      const res = await fetch(`${outside}/users`, {headers});
      expect(res.status).to.equal(404);
      expect(await res.text()).to.contain('<title>404 Page not found</title>');
    }
    expect(fn.requests.length).to.equal(seen);
    expect(logged.map(l => l.message)).to.deep.equal([
      'The request was blocked by the ingress setting.',
      'The request was blocked by the ingress setting.',
    ]);
  });

  it('lets anyone through to a function with ingress all that allows unauthenticated calls, headers untouched', async () => {
    const open = await door('internet', {
      ingress: 'all',
      allowUnauthenticated: true,
    });
    const token = bearer('order');
    const res = await fetch(`${open}/api?x=1`, {
      headers: {Authorization: token},
    });
    expect(res.status).to.equal(200);
    const last = fn.requests[fn.requests.length - 1];
    expect(last.url).to.equal('/api?x=1');
    expect(last.headers.authorization).to.equal(token);
  });

  const refusals: {
    name: string;
    headers: () => Record<string, string>;
    status: number;
    page: RegExp;
    caller: () => string;
  }[] = [
    {
      name: 'no token',
      headers: () => ({}),
      status: 403,
      page: /Your client does not have permission to get URL <code>\/users<\/code> from this server\./,
      caller: () => 'anonymous',
    },
    {
      name: 'a tampered token',
      headers: () => ({Authorization: bearer('gateway').slice(0, -4) + 'AAAA'}),
      status: 401,
      page: /Your client does not have permission to the requested URL <code>\/users<\/code>\./,
      caller: () => 'unverified',
    },
    {
      name: 'an expired token',
      headers: () => ({
        Authorization: `Bearer ${kit.token('gateway', SELF, {exp: Math.floor(Date.now() / 1000) - 3600})}`,
      }),
      status: 401,
      page: /401 Unauthorized/,
      caller: () => 'unverified',
    },
    {
      name: "a token for another function's URL",
      headers: () => ({Authorization: bearer('gateway', 'http://order.test')}),
      status: 401,
      page: /401 Unauthorized/,
      caller: () => 'unverified',
    },
    {
      name: 'a token from another issuer',
      headers: () => ({
        Authorization: `Bearer ${kit.token('gateway', SELF, {iss: 'https://accounts.google.com'})}`,
      }),
      status: 401,
      page: /401 Unauthorized/,
      caller: () => 'unverified',
    },
    {
      name: 'a signed token whose email is not verified',
      headers: () => ({
        Authorization: `Bearer ${kit.token('gateway', SELF, {email_verified: false})}`,
      }),
      status: 401,
      page: /401 Unauthorized/,
      caller: () => 'unverified',
    },
    {
      name: 'credentials that are not a bearer token',
      headers: () => ({Authorization: 'Basic YXBwOmFwcA=='}),
      status: 401,
      page: /401 Unauthorized/,
      caller: () => 'unverified',
    },
    {
      name: 'a valid token from an account without an invoker binding',
      headers: () => ({Authorization: bearer('order')}),
      status: 403,
      page: /403 Forbidden/,
      caller: () => kit.accounts.order,
    },
    {
      name: 'a valid gateway token in Authorization, a bad one in X-Serverless-Authorization',
      headers: () => ({
        Authorization: bearer('gateway'),
        'X-Serverless-Authorization': 'Bearer a.b.c',
      }),
      status: 401,
      page: /401 Unauthorized/,
      caller: () => 'unverified',
    },
  ];
  refusals.forEach(c =>
    it(`answers ${c.status} to ${c.name} from inside the VPC, with Google's page, and logs it`, async () => {
      const inside = await door('vpc');
      const seen = fn.requests.length;
      const res = await fetch(`${inside}/users`, {headers: c.headers()});
      expect(res.status).to.equal(c.status);
      expect(res.headers.get('content-type')).to.match(/^text\/html/);
      expect(await res.text()).to.match(c.page);
      if (c.status === 401)
        expect(res.headers.get('www-authenticate')).to.match(
          /^Bearer error="invalid_token"/,
        );
      expect(fn.requests.length).to.equal(seen);
      expect(logged).to.have.length(1);
      expect(logged[0]).to.include({
        severity: 'WARNING',
        service: 'user',
        component: 'front-end',
        caller: c.caller(),
      });
      expect(JSON.stringify(logged)).not.to.match(/eyJ[\w-]+\.eyJ|Bearer /);
    }),
  );

  it('passes an invoker on with the signature of its token replaced', async () => {
    const inside = await door('vpc');
    const token = bearer('gateway');
    const res = await fetch(`${inside}/users/u1?x=1`, {
      method: 'POST',
      headers: {
        Authorization: token,
        'Content-Type': 'application/json',
        'X-Request-Id': 'r-1',
      },
      body: '{"a":1}',
    });
    expect(res.status).to.equal(200);
    const got = fn.requests[fn.requests.length - 1];
    expect(got).to.include({
      method: 'POST',
      url: '/users/u1?x=1',
      body: '{"a":1}',
    });
    expect(got.headers['x-request-id']).to.equal('r-1');
    const [head, payload] = token.split('.');
    expect(got.headers.authorization).to.equal(
      `${head}.${payload}.${SIGNATURE_REMOVED}`,
    );
    // Cloud Run's request line: the status, the latency and the caller.
    await waitFor('the request line', async () => logged.length > 0, 2000);
    expect(logged).to.have.length(1);
    expect(logged[0]).to.deep.include({
      severity: 'INFO',
      service: 'user',
      component: 'front-end',
      passed: true,
      caller: kit.accounts.gateway,
    });
    expect(logged[0].httpRequest).to.include({
      requestMethod: 'POST',
      requestUrl: '/users/u1?x=1',
      status: 200,
    });
    expect((logged[0].httpRequest as {latency: string}).latency).to.match(
      /^\d+\.\d{3}s$/,
    );
    expect(JSON.stringify(logged)).not.to.match(/eyJ[\w-]+\.eyJ|Bearer /);
  });
  it('checks and strips X-Serverless-Authorization, and passes Authorization through untouched', async () => {
    const inside = await door('vpc');
    const token = bearer('gateway');
    await fetch(`${inside}/users`, {
      headers: {
        'X-Serverless-Authorization': token,
        Authorization: 'Basic YXBwOmFwcA==',
      },
    });
    const got = fn.requests[fn.requests.length - 1];
    expect(got.headers['x-serverless-authorization']).to.equal(
      token.replace(/[^.]*$/, SIGNATURE_REMOVED),
    );
    expect(got.headers.authorization).to.equal('Basic YXBwOmFwcA==');
  });

  const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
  const CALLER = '00f067aa0ba902b7';
  const traced: {
    name: string;
    headers: Record<string, string>;
    sampled: string;
  }[] = [
    {
      name: 'traceparent',
      headers: {traceparent: `00-${TRACE}-${CALLER}-01`},
      sampled: '01',
    },
    {
      name: 'X-Cloud-Trace-Context only, unsampled',
      headers: {
        'X-Cloud-Trace-Context': `${TRACE}/${BigInt(`0x${CALLER}`)};o=0`,
      },
      sampled: '00',
    },
  ];
  traced.forEach(c =>
    it(`starts its span under the caller's (${c.name}) and passes its own on to the function`, async () => {
      const inside = await door('vpc');
      await fetch(`${inside}/users`, {
        headers: {Authorization: bearer('gateway'), ...c.headers},
      });
      await waitFor('the request line', async () => logged.length > 0, 2000);
      const line = logged[0] as {
        'logging.googleapis.com/spanId': string;
        span: {parentSpanId?: string};
      };
      const own = line['logging.googleapis.com/spanId'];
      expect(line.span.parentSpanId).to.equal(CALLER);
      expect(own)
        .to.match(/^[\da-f]{16}$/)
        .and.not.equal(CALLER);
      const got = fn.requests[fn.requests.length - 1];
      expect(got.headers.traceparent).to.equal(
        `00-${TRACE}-${own}-${c.sampled}`,
      );
      if (c.headers['X-Cloud-Trace-Context'] !== undefined)
        expect(got.headers['x-cloud-trace-context']).to.equal(
          `${TRACE}/${BigInt(`0x${own}`)};o=${Number(c.sampled)}`,
        );
    }),
  );
});
