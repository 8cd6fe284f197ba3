import {expect} from 'chai';
import {
  calleeUrl,
  parseConfig,
} from '../../../../../functions/common/platform/config';
import {ConfigError} from '../../../../../functions/common/platform/variables';

const GATEWAY = {
  GOOGLE_CLOUD_PROJECT: 'p',
  ALLOWED_CALLERS: 'anyone',
  CALLS: 'user,order',
  USER_URL: 'http://u.example',
  ORDER_URL: 'http://o.example/',
};
const ORDER = {
  GOOGLE_CLOUD_PROJECT: 'p',
  SELF_URL: 'https://order.example',
  ALLOWED_CALLERS: 'a@x.iam, b@x.iam',
};

describe('parseConfig', () => {
  it('reads a gateway configuration and trims trailing slashes from URLs', () => {
    const config = parseConfig('gateway', GATEWAY);
    expect(config).to.include({
      service: 'gateway',
      projectId: 'p',
      auth: undefined,
    });
    expect(config.calls).to.deep.equal({
      user: 'http://u.example',
      order: 'http://o.example',
    });
    expect(config.downstreamTimeoutMs).to.equal(5000);
  });

  it('reads the inbound auth of an internal function with Google defaults', () => {
    const config = parseConfig('order', ORDER);
    expect(config.auth).to.deep.equal({
      mode: 'verify',
      audience: 'https://order.example',
      allowedCallers: ['a@x.iam', 'b@x.iam'],
      issuer: 'https://accounts.google.com',
      certsUrl: 'https://www.googleapis.com/oauth2/v1/certs',
    });
  });

  const failures: {
    name: string;
    service: string;
    env: Record<string, string>;
    messages: RegExp[];
  }[] = [
    {
      name: 'names every missing variable at once',
      service: 'gateway',
      env: {},
      messages: [/GOOGLE_CLOUD_PROJECT/, /ALLOWED_CALLERS/],
    },
    {
      name: 'rejects a URL that is not http(s)',
      service: 'gateway',
      env: {...GATEWAY, USER_URL: 'ftp://x'},
      messages: [/USER_URL: must be an http\(s\) URL/],
    },
    {
      name: 'rejects an unknown token check',
      service: 'order',
      env: {...ORDER, TOKEN_CHECK: 'trust-me'},
      messages: [/TOKEN_CHECK/],
    },
    {
      name: 'requires the URL of every function it calls',
      service: 'gateway',
      env: {...GATEWAY, USER_URL: ''},
      messages: [/USER_URL: must be an http\(s\) URL/],
    },
    {
      name: 'requires a URL for a call it lists',
      service: 'gateway',
      env: {...GATEWAY, CALLS: 'user,order,billing-v2'},
      messages: [/BILLING_V2_URL: is required \(the URL of billing-v2/],
    },
    {
      name: 'requires the audience and allowlist of an internal function',
      service: 'user',
      env: {GOOGLE_CLOUD_PROJECT: 'p', ALLOWED_CALLERS: 'a@x.iam'},
      messages: [/SELF_URL/],
    },
    {
      name: 'rejects an allowlist entry that is not an email',
      service: 'order',
      env: {...ORDER, ALLOWED_CALLERS: 'gateway'},
      messages: [/ALLOWED_CALLERS/],
    },
    {
      name: 'rejects a timeout that is not a positive number',
      service: 'gateway',
      env: {...GATEWAY, DOWNSTREAM_TIMEOUT_MS: '-3'},
      messages: [/DOWNSTREAM_TIMEOUT_MS/],
    },
  ];
  failures.forEach(c =>
    it(c.name, () => {
      let error: unknown;
      try {
        parseConfig(c.service, c.env);
      } catch (e: unknown) {
        error = e;
      }
      expect(error).to.be.instanceOf(ConfigError);
      for (const m of c.messages) expect((error as Error).message).to.match(m);
    }),
  );

  it('takes calls from anyone, without audience, when ALLOWED_CALLERS says so', () => {
    const config = parseConfig('order', {
      GOOGLE_CLOUD_PROJECT: 'p',
      ALLOWED_CALLERS: 'anyone',
    });
    expect(config.auth).to.equal(undefined);
    expect(config.calls).to.deep.equal({});
  });

  it('gives the URL of a function it calls, and refuses at start one the topology does not list', () => {
    const config = parseConfig('gateway', GATEWAY);
    expect(calleeUrl(config, 'order')).to.equal('http://o.example');
    expect(() => calleeUrl(config, 'billing')).to.throw(
      ConfigError,
      /CALLS: the gateway function calls billing, but its entry in topology.json does not list it/,
    );
  });
});

describe('parseConfig: what only the local stack, its tests and the benchmark switch', () => {
  const switches: [string, string][] = [
    ['CALL_TOKENS', 'off'],
    ['CALL_TOKENS', 'on'],
    ['EGRESS_PROXY', 'http://127.0.0.1:8088'],
    ['FRAMEWORK_DOMAIN', 'on'],
    ['TOPOLOGY_FILE', '/tmp/other-topology.json'],
  ];
  const where: [string, Record<string, string>][] = [
    ['on Cloud Run', {K_SERVICE: 'gateway', K_REVISION: 'gateway-00001'}],
    ['elsewhere', {}],
  ];
  for (const [place, platform] of where)
    switches.forEach(([name, value]) =>
      it(`refuses ${name}=${value} ${place}, naming it`, () => {
        let error: unknown;
        try {
          parseConfig('gateway', {...GATEWAY, ...platform, [name]: value});
        } catch (e: unknown) {
          error = e;
        }
        expect(error).to.be.instanceOf(ConfigError);
        expect(
          (error as ConfigError).problems.map(p => p.split(':')[0]),
        ).to.deep.equal([name]);
      }),
    );

  it('keeps END_USER_AUTH=off readable on Cloud Run: the original demo’s open API', () => {
    const config = parseConfig('gateway', {
      ...GATEWAY,
      K_SERVICE: 'gateway',
      END_USER_AUTH: 'off',
    });
    expect(config.endUsers).to.equal(undefined);
  });
});
