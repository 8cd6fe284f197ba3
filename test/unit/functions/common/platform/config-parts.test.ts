/**
 * The parts of a configuration the other tests leave out: end users' token
 * source, tracing, the database, the environment kept, and the lookups
 * functions make of it at start.
 */
import {expect} from 'chai';
import {
  calleeUrl,
  databaseOf,
  parseConfig,
} from '../../../../../functions/common/platform/config';
import {ConfigError} from '../../../../../functions/common/platform/variables';

const PUBLIC = {GOOGLE_CLOUD_PROJECT: 'proj-1', ALLOWED_CALLERS: 'anyone'};

describe('parseConfig: end users, tracing, data', () => {
  it('checks end users against Identity Platform of the project by default', () =>
    expect(parseConfig('gateway', PUBLIC).endUsers).to.deep.equal({
      issuer: 'https://securetoken.google.com/proj-1',
      audience: 'proj-1',
      certsUrl:
        'https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com',
    }));

  it('checks end users against the issuer, audience and keys it is given', () =>
    expect(
      parseConfig('gateway', {
        ...PUBLIC,
        END_USER_ISSUER: 'http://id.local/proj-1',
        END_USER_AUDIENCE: 'aud-1',
        END_USER_CERTS_URL: 'http://id.local/certs/',
      }).endUsers,
    ).to.deep.equal({
      issuer: 'http://id.local/proj-1',
      audience: 'aud-1',
      certsUrl: 'http://id.local/certs',
    }));

  it('has no end-user checks when END_USER_AUTH is off', () => {
    expect(
      parseConfig('gateway', {...PUBLIC, END_USER_AUTH: 'off'}).endUsers,
    ).to.equal(undefined);
    expect(
      parseConfig('gateway', {...PUBLIC, END_USER_AUTH: 'on'}).endUsers,
    ).to.not.equal(undefined);
  });

  it('exports spans where and as often as it is told, nowhere by default', () => {
    expect(parseConfig('gateway', PUBLIC)).to.include({
      tracesEndpoint: undefined,
      traceExportDelayMs: 5000,
    });
    expect(
      parseConfig('gateway', {
        ...PUBLIC,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://telemetry.test/v1/traces',
        OTEL_BSP_SCHEDULE_DELAY: '250',
        LOG_LEVEL: 'debug',
      }),
    ).to.include({
      tracesEndpoint: 'https://telemetry.test/v1/traces',
      traceExportDelayMs: 250,
      logLevel: 'debug',
    });
  });

  it("traces a tenth of an entry's requests unless told a share from 0 to 1", () => {
    expect(parseConfig('gateway', PUBLIC).traceRatio).to.equal(0.1);
    for (const [arg, ratio] of [
      ['0', 0],
      ['0.25', 0.25],
      ['1', 1],
    ] as const)
      expect(
        parseConfig('gateway', {...PUBLIC, OTEL_TRACES_SAMPLER_ARG: arg})
          .traceRatio,
        arg,
      ).to.equal(ratio);
    for (const arg of ['1.5', '-0.1', 'half'])
      expect(
        () => parseConfig('gateway', {...PUBLIC, OTEL_TRACES_SAMPLER_ARG: arg}),
        arg,
      )
        .to.throw(ConfigError)
        .with.property('problems')
        .that.satisfies((problems: string[]) =>
          problems.some(p => p.startsWith('OTEL_TRACES_SAMPLER_ARG: ')),
        );
  });

  it('keeps the environment it was read from, and the timeouts it sets', () => {
    const env = {...PUBLIC, REQUEST_TIMEOUT_MS: '900', OWN_SETTING: 'x'};
    const config = parseConfig('gateway', env);
    expect(config.env).to.equal(env);
    expect(config.requestTimeoutMs).to.equal(900);
  });

  it('takes calls from anyone when told " anyone ", even with a URL of its own', () =>
    expect(
      parseConfig('order', {
        ...PUBLIC,
        ALLOWED_CALLERS: ' anyone ',
        SELF_URL: 'https://order.example',
      }).auth,
    ).to.equal(undefined));
});

describe('a configuration at start', () => {
  it('gives the database of a function that keeps data', () =>
    expect(
      databaseOf(
        parseConfig('order', {...PUBLIC, FIRESTORE_DATABASE: 'orders-db'}),
      ),
    ).to.equal('orders-db'));

  it('refuses to start a function that keeps data without a database', () => {
    const config = parseConfig('order', PUBLIC);
    expect(config.firestoreDatabase).to.equal(undefined);
    let error: unknown;
    try {
      databaseOf(config);
    } catch (e: unknown) {
      error = e;
    }
    expect(error).to.be.instanceOf(ConfigError);
    const [problem, ...others] = (error as ConfigError).problems;
    expect(others).to.deep.equal([]);
    expect(problem)
      .to.match(/^FIRESTORE_DATABASE: /)
      .and.include('order');
  });

  it('refuses a callee that is only an object’s inherited property', () => {
    const config = parseConfig('gateway', PUBLIC);
    for (const callee of ['toString', 'constructor', '__proto__'])
      expect(() => calleeUrl(config, callee), callee).to.throw(ConfigError);
  });
});
