/** Which variable each configuration problem names, and the values at the edges. */
import {expect} from 'chai';
import {parseConfig} from '../../../../../functions/common/platform/config';
import {ConfigError} from '../../../../../functions/common/platform/variables';

const GATEWAY = {
  GOOGLE_CLOUD_PROJECT: 'p',
  ALLOWED_CALLERS: 'anyone',
  CALLS: 'user,order',
  USER_URL: 'http://u.example',
  ORDER_URL: 'http://o.example',
};
const ORDER = {
  GOOGLE_CLOUD_PROJECT: 'p',
  SELF_URL: 'https://order.example',
  ALLOWED_CALLERS: 'a@x.iam',
};

function problemsOf(service: string, env: Record<string, string>) {
  try {
    parseConfig(service, env);
  } catch (e: unknown) {
    expect(e).to.be.instanceOf(ConfigError);
    expect((e as Error).name).to.equal('ConfigError');
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig, at the edges', () => {
  // Each case: the variables its problems name (in order).
  const cases: [string, string, Record<string, string>, string[]][] = [
    [
      'a missing project',
      'gateway',
      {...GATEWAY, GOOGLE_CLOUD_PROJECT: ''},
      ['GOOGLE_CLOUD_PROJECT'],
    ],
    [
      'a URL with another scheme',
      'gateway',
      {...GATEWAY, USER_URL: 'xhttp://u'},
      ['USER_URL'],
    ],
    [
      'a URL with a longer scheme',
      'gateway',
      {...GATEWAY, USER_URL: 'httpsx://u'},
      ['USER_URL'],
    ],
    [
      'an allowlist that is not emails',
      'order',
      {...ORDER, ALLOWED_CALLERS: 'gateway'},
      ['ALLOWED_CALLERS.0'],
    ],
    [
      'an empty allowlist',
      'order',
      {...ORDER, ALLOWED_CALLERS: ' , '},
      ['ALLOWED_CALLERS'],
    ],
    [
      'a timeout that is not a number',
      'gateway',
      {...GATEWAY, DOWNSTREAM_TIMEOUT_MS: 'soon'},
      ['DOWNSTREAM_TIMEOUT_MS'],
    ],
    [
      'a timeout with a fraction',
      'gateway',
      {...GATEWAY, REQUEST_TIMEOUT_MS: '1.5'},
      ['REQUEST_TIMEOUT_MS'],
    ],
    [
      'a zero timeout',
      'gateway',
      {...GATEWAY, DOWNSTREAM_TIMEOUT_MS: '0'},
      ['DOWNSTREAM_TIMEOUT_MS'],
    ],
    [
      'too many retries',
      'gateway',
      {...GATEWAY, DOWNSTREAM_RETRIES: '6'},
      ['DOWNSTREAM_RETRIES'],
    ],
    [
      'negative retries',
      'gateway',
      {...GATEWAY, DOWNSTREAM_RETRIES: '-1'},
      ['DOWNSTREAM_RETRIES'],
    ],
    [
      'an empty issuer',
      'order',
      {...ORDER, TOKEN_ISSUER: ''},
      ['TOKEN_ISSUER'],
    ],
    [
      'no audience',
      'order',
      {GOOGLE_CLOUD_PROJECT: 'p', ALLOWED_CALLERS: 'a@x.iam'},
      ['SELF_URL'],
    ],
    [
      'no allowlist',
      'order',
      {GOOGLE_CLOUD_PROJECT: 'p', SELF_URL: 'http://o'},
      ['ALLOWED_CALLERS'],
    ],
    [
      'a call without its URL',
      'gateway',
      {...GATEWAY, CALLS: 'user, order ,billing'},
      ['BILLING_URL'],
    ],
  ];
  cases.forEach(([name, service, env, variables]) =>
    it(`names the variable at fault with ${name}`, () => {
      const problems = problemsOf(service, env);
      expect(problems.map(p => p.split(':')[0])).to.deep.equal(variables);
      // Each says what is wrong, after the name.
      for (const p of problems) expect(p).to.match(/^[A-Z_.0-9]+: \S/);
    }),
  );

  it('lists every problem in its message, one per line', () => {
    expect(() => parseConfig('gateway', {})).to.throw(
      ConfigError,
      /\n {2}GOOGLE_CLOUD_PROJECT: .+\n {2}ALLOWED_CALLERS: .+$/,
    );
  });

  it('accepts the values at the edges', () => {
    const config = parseConfig('order', {
      ...ORDER,
      SELF_URL: 'https://order.example///',
      ALLOWED_CALLERS: ' a@x.iam ,, b@x.iam ',
      DOWNSTREAM_RETRIES: '5',
      DOWNSTREAM_TIMEOUT_MS: '1',
      TOKEN_ISSUER: 'i',
    });
    expect(config.auth).to.include({
      audience: 'https://order.example',
      issuer: 'i',
    });
    expect(config.auth?.allowedCallers).to.deep.equal(['a@x.iam', 'b@x.iam']);
    expect(config).to.include({downstreamRetries: 5, downstreamTimeoutMs: 1});
    expect(
      parseConfig('gateway', {...GATEWAY, DOWNSTREAM_RETRIES: '0'})
        .downstreamRetries,
    ).to.equal(0);
    expect(parseConfig('gateway', GATEWAY)).to.include({
      downstreamRetries: 2,
      requestTimeoutMs: 15000,
      logLevel: 'info',
    });
  });

  it('checks tokens itself unless told the platform did, on Cloud Run as elsewhere', () => {
    expect(
      parseConfig('order', {...ORDER, K_SERVICE: 'order'}).auth?.mode,
    ).to.equal('verify');
    expect(
      parseConfig('order', {...ORDER, TOKEN_CHECK: 'platform'}).auth?.mode,
    ).to.equal('platform');
  });

  it('knows it runs on Cloud Run from K_SERVICE, and as a function from FUNCTION_TARGET', () => {
    expect(parseConfig('order', ORDER).cloudRun).to.equal(undefined);
    expect(
      parseConfig('order', {
        ...ORDER,
        K_SERVICE: 'order-fn',
        K_REVISION: 'order-fn-00002-xyz',
        FUNCTION_TARGET: 'order',
      }).cloudRun,
    ).to.deep.equal({
      service: 'order-fn',
      revision: 'order-fn-00002-xyz',
      function: true,
    });
    expect(
      parseConfig('order', {...ORDER, K_SERVICE: 'order-fn'}).cloudRun,
    ).to.deep.equal({
      service: 'order-fn',
      revision: undefined,
      function: false,
    });
  });
});
