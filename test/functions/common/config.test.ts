import {expect} from 'chai';
import {
  ConfigError,
  parseConfig,
  type ServiceName,
} from '../../../functions/common/config';

const GATEWAY = {
  GOOGLE_CLOUD_PROJECT: 'p',
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
      userUrl: 'http://u.example',
      orderUrl: 'http://o.example',
      authMode: 'verify',
    });
    expect(config).not.to.have.property('auth');
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
    service: ServiceName;
    env: Record<string, string>;
    messages: RegExp[];
  }[] = [
    {
      name: 'names every missing variable at once',
      service: 'gateway',
      env: {},
      messages: [/GOOGLE_CLOUD_PROJECT/, /USER_URL/, /ORDER_URL/],
    },
    {
      name: 'rejects a URL that is not http(s)',
      service: 'gateway',
      env: {...GATEWAY, USER_URL: 'ftp://x'},
      messages: [/USER_URL: must be an http\(s\) URL/],
    },
    {
      name: 'rejects an unknown auth mode',
      service: 'order',
      env: {...ORDER, AUTH_MODE: 'trust-me'},
      messages: [/AUTH_MODE/],
    },
    {
      name: 'requires the audience and allowlist of an internal function',
      service: 'user',
      env: {GOOGLE_CLOUD_PROJECT: 'p', ORDER_URL: 'http://o'},
      messages: [/SELF_URL/, /ALLOWED_CALLERS/],
    },
    {
      name: 'rejects an allowlist entry that is not an email',
      service: 'order',
      env: {...ORDER, ALLOWED_CALLERS: 'gateway'},
      messages: [/ALLOWED_CALLERS/],
    },
    {
      name: 'refuses auth off on Cloud Run',
      service: 'order',
      env: {...ORDER, AUTH_MODE: 'off', K_SERVICE: 'order'},
      messages: [/AUTH_MODE: "off"/],
    },
    {
      name: 'rejects a local VPC connector that is not an http(s) URL',
      service: 'gateway',
      env: {...GATEWAY, EGRESS_PROXY: '127.0.0.1:8088'},
      messages: [/EGRESS_PROXY: must be an http\(s\) URL/],
    },
    {
      name: 'rejects a framework domain switch other than on or off',
      service: 'order',
      env: {...ORDER, FRAMEWORK_DOMAIN: 'yes'},
      messages: [/FRAMEWORK_DOMAIN/],
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

  it('reads the local VPC connector and the framework domain switch, both off by default', () => {
    expect(parseConfig('gateway', GATEWAY)).to.include({
      egressProxy: undefined,
      frameworkDomain: false,
    });
    expect(
      parseConfig('gateway', {
        ...GATEWAY,
        EGRESS_PROXY: 'http://127.0.0.1:8088/',
        FRAMEWORK_DOMAIN: 'on',
      }),
    ).to.include({egressProxy: 'http://127.0.0.1:8088', frameworkDomain: true});
  });

  it('allows auth off locally, without audience or allowlist', () => {
    const config = parseConfig('order', {
      GOOGLE_CLOUD_PROJECT: 'p',
      AUTH_MODE: 'off',
    });
    expect(config.authMode).to.equal('off');
    expect(config.auth).to.equal(undefined);
  });
});
