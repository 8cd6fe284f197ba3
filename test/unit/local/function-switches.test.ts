/**
 * The local stack's switches: read by its entry point from the
 * environment, taken out of what the function's configuration is read
 * from, and passed in as collaborators; never on Cloud Run.
 */
import {expect} from 'chai';
import {MetadataIdTokenSource} from '../../../functions/common/calls/id-tokens';
import {parseConfig} from '../../../functions/common/platform/config';
import {ConfigError} from '../../../functions/common/platform/variables';
import {wiringFor} from '../../../functions/common/setup/wiring';
import {takeLocalSwitches, wiringOf} from '../../../local/function-switches';

const GATEWAY = {
  GOOGLE_CLOUD_PROJECT: 'p',
  ALLOWED_CALLERS: 'anyone',
  CALLS: 'user,order',
  USER_URL: 'http://u.example',
  ORDER_URL: 'http://o.example',
  LOG_LEVEL: 'silent',
};

/** The variables of `error`, a ConfigError, that it names. */
function named(run: () => unknown): string[] {
  try {
    run();
  } catch (e: unknown) {
    expect(e).to.be.instanceOf(ConfigError);
    return (e as ConfigError).problems.map(p => p.split(':')[0]);
  }
  throw new Error('no ConfigError');
}

describe('local/function-switches', () => {
  it('switches nothing by default: the function as deployed', () => {
    const {switches, env} = takeLocalSwitches(GATEWAY);
    expect(switches).to.deep.equal({
      callTokens: true,
      egressProxy: undefined,
      frameworkDomain: false,
      topologyFile: undefined,
    });
    expect(env).to.deep.equal(GATEWAY);
    expect(wiringOf(switches)).to.deep.equal({});
    const wiring = wiringFor(parseConfig('gateway', env), wiringOf(switches));
    expect(wiring.tokens).to.be.instanceOf(MetadataIdTokenSource);
    expect(wiring.agent).to.equal(undefined);
  });

  it('reads every switch, and leaves none in what the configuration is read from', () => {
    const {switches, env} = takeLocalSwitches({
      ...GATEWAY,
      CALL_TOKENS: 'off',
      EGRESS_PROXY: 'http://127.0.0.1:8088/',
      FRAMEWORK_DOMAIN: 'on',
      TOPOLOGY_FILE: '/tmp/t.json',
    });
    expect(switches).to.deep.equal({
      callTokens: false,
      egressProxy: 'http://127.0.0.1:8088',
      frameworkDomain: true,
      topologyFile: '/tmp/t.json',
    });
    expect(env).to.deep.equal(GATEWAY);
    // What a deployed function would refuse, the configuration never sees.
    const config = parseConfig('gateway', env);
    const wiring = wiringFor(config, wiringOf(switches));
    expect(wiring).to.have.property('tokens', undefined);
    expect(wiring.agent).to.be.a('function');
    expect(() => wiring.agent!(new URL('https://u.example'))).to.throw();
  });

  it('refuses a malformed switch, naming it', () => {
    expect(
      named(() =>
        takeLocalSwitches({
          ...GATEWAY,
          CALL_TOKENS: 'no',
          EGRESS_PROXY: '127.0.0.1:8088',
          FRAMEWORK_DOMAIN: 'yes',
        }),
      ),
    ).to.deep.equal(['CALL_TOKENS', 'EGRESS_PROXY', 'FRAMEWORK_DOMAIN']);
  });

  it('refuses to run on Cloud Run, switches or not', () => {
    for (const env of [
      {...GATEWAY, K_SERVICE: 'gateway'},
      {...GATEWAY, K_SERVICE: 'gateway', CALL_TOKENS: 'off'},
    ])
      expect(named(() => takeLocalSwitches(env))).to.deep.equal(['K_SERVICE']);
  });
});
