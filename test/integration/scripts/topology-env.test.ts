/**
 * A function's own `env` in topology.json, by allowlist: the application's
 * tuning and its APP_ names pass; every other name (the runtime's, the
 * platform's, the libraries', the proxies', the functions' trust settings)
 * is refused with its key named, by parseTopology and so by every reader of
 * the topology: deploy.sh, cleanup.sh, test.sh, `npm start` and the
 * functions' entry point.
 */
import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import {ROOT} from '../../../local/stack';
import {
  functionEnv,
  parseTopology,
  TopologyError,
} from '../../../scripts/topology';
import {TUNING_ENV} from '../../../scripts/topology-env';
import {
  ConfigError,
  parseEnvironment,
} from '../../../functions/common/platform/variables';
import {fakeCloud} from '../../fixtures/fake-cloud';
import {rawTopology as raw} from '../../fixtures/topology';

/** What a copy of the topology gives user's `env`, and the refusal it gets. */
const REFUSED: [string, string][] = [
  // Proxies: every call, token and answer through someone else's machine.
  ['HTTP_PROXY', 'http://proxy.evil.example:3128'],
  ['HTTPS_PROXY', 'http://proxy.evil.example:3128'],
  ['NO_PROXY', '*'],
  ['ALL_PROXY', 'socks5://proxy.evil.example'],
  ['GRPC_PROXY', 'http://proxy.evil.example'],
  // The runtime, the loader and TLS: code or trust roots of someone else's.
  ['NODE_OPTIONS', '--require /tmp/x.js'],
  ['NODE_EXTRA_CA_CERTS', '/tmp/evil-ca.pem'],
  ['NODE_TLS_REJECT_UNAUTHORIZED', '0'],
  ['LD_PRELOAD', '/tmp/evil.so'],
  ['LD_LIBRARY_PATH', '/tmp'],
  ['OPENSSL_CONF', '/tmp/openssl.cnf'],
  ['SSL_CERT_FILE', '/tmp/evil-ca.pem'],
  ['GRPC_DEFAULT_SSL_ROOTS_FILE_PATH', '/tmp/evil-ca.pem'],
  ['PATH', '/tmp'],
  ['HOME', '/tmp'],
  // The libraries' own: where spans go, and with which headers.
  ['OTEL_EXPORTER_OTLP_ENDPOINT', 'http://collector.evil.example'],
  ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'http://collector.evil.example'],
  ['OTEL_EXPORTER_OTLP_HEADERS', 'x=y'],
  ['OTEL_TRACES_SAMPLER', 'always_off'],
  ['FIRESTORE_EMULATOR_HOST', 'localhost:1'],
  // Google's and the platform's.
  ['GOOGLE_APPLICATION_CREDENTIALS', '/tmp/key.json'],
  ['GCE_METADATA_HOST', '169.254.169.254'],
  ['K_SERVICE', 'user'],
  ['PORT', '1'],
  // The functions' own trust settings.
  ['END_USER_AUTH', 'off'],
  ['END_USER_CERTS_URL', 'https://keys.evil.example/certs'],
  ['END_USER_ISSUER', 'https://evil.example'],
  ['END_USER_AUDIENCE', 'evil'],
  ['TOKEN_CERTS_URL', 'https://keys.evil.example/certs'],
  ['TOKEN_ISSUER', 'https://evil.example'],
  ['CALL_TOKENS', 'off'],
  ['EGRESS_PROXY', 'http://proxy.evil.example'],
  ['FRAMEWORK_DOMAIN', 'on'],
  ['TOPOLOGY_FILE', '/tmp/other.json'],
  // The prefix alone names nothing of the application's.
  ['APP_', 'x'],
];

/** A copy of the topology with user's `env` given `key`. */
const withUserEnv = (key: string, value: string) => {
  const copy = raw();
  copy.functions.user.env[key] = value;
  return copy;
};

describe("a function's env in topology.json", () => {
  REFUSED.forEach(([key, value]) =>
    it(`refuses ${key}, naming it`, () => {
      expect(() => parseTopology(withUserEnv(key, value)))
        .to.throw(TopologyError)
        .with.property('problems')
        .that.deep.equals([
          `user.env.${key}: is not the application's to set: only ${Object.keys(TUNING_ENV).join(', ')} and APP_… names`,
        ]);
    }),
  );

  it('refuses a lowercase name, http_proxy, as not UPPER_CASE', () => {
    expect(() => parseTopology(withUserEnv('http_proxy', 'http://p.test')))
      .to.throw(TopologyError)
      .with.property('problems')
      .that.deep.equals(['user.env.http_proxy: must be an UPPER_CASE name']);
  });

  it("takes the application's tuning and APP_ names, and passes them to the function", () => {
    const copy = raw();
    const tuning = {
      LOG_LEVEL: 'debug',
      REQUEST_TIMEOUT_MS: '20000',
      DOWNSTREAM_TIMEOUT_MS: '4000',
      DOWNSTREAM_RETRIES: '1',
      OTEL_BSP_SCHEDULE_DELAY: '1000',
      OTEL_TRACES_SAMPLER_ARG: '0.5',
      APP_GREETING: 'hello',
    };
    copy.functions.order.env = tuning;
    const env = functionEnv(parseTopology(copy), 'order', {
      projectId: 'demo',
      urls: {order: 'https://o.test'},
    });
    expect(env).to.include(tuning);
    expect(Object.keys(TUNING_ENV)).to.have.members(
      Object.keys(tuning).filter(k => k !== 'APP_GREETING'),
    );
  });

  it("allows only names the functions' configuration reads and checks at start", () => {
    for (const key of Object.keys(TUNING_ENV))
      expect(
        () =>
          parseEnvironment({
            GOOGLE_CLOUD_PROJECT: 'demo',
            ALLOWED_CALLERS: 'anyone',
            [key]: 'not-a-value',
          }),
        key,
      )
        .to.throw(ConfigError)
        .with.property('problems')
        .that.satisfies((problems: string[]) =>
          problems.some(p => p.startsWith(`${key}: `)),
        );
  });

  describe('refused by every reader of the topology, before it does anything', function () {
    this.timeout(60_000);
    let dir: string;
    let file: string;
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'topology-env-'));
      file = path.join(dir, 'topology.json');
      writeFileSync(
        file,
        JSON.stringify(withUserEnv('HTTP_PROXY', 'http://proxy.evil.test')),
      );
    });
    after(() => rmSync(dir, {recursive: true, force: true}));

    const scripts: [string, string[]][] = [
      ['deploy.sh', []],
      ['deploy.sh', ['--dry-run']],
      ['cleanup.sh', ['--yes']],
      ['test.sh', []],
      ['test.sh', ['http://127.0.0.1:1']],
    ];
    scripts.forEach(([script, args]) =>
      it(`${[script, ...args].join(' ')}: no gcloud call`, () => {
        const cloud = fakeCloud();
        const result = cloud.run(script, args, {TOPOLOGY_FILE: file});
        cloud.remove();
        expect(result.status, result.output).to.equal(2);
        expect(result.output).to.contain('user.env.HTTP_PROXY: ');
        expect(result.commands).to.deep.equal([]);
      }),
    );

    it("npm start's stack (build/local/start.js): nothing started", () => {
      const result = spawnSync(
        process.execPath,
        [path.join(ROOT, 'build', 'local', 'start.js')],
        {
          cwd: ROOT,
          encoding: 'utf8',
          timeout: 30_000,
          // Should the topology pass, start.js stops at this, its next
          // check, before it starts anything: the test leaves no stack behind.
          env: {
            ...process.env,
            TOPOLOGY_FILE: file,
            STACK_MODE: 'no-such-mode',
          },
        },
      );
      expect(result.status, result.stderr).to.equal(1);
      expect(result.stderr).to.contain('user.env.HTTP_PROXY: ');
      expect(result.stderr).not.to.contain('STACK_MODE');
    });

    it("the local stack's entry point for the functions", () => {
      const result = spawnSync(
        process.execPath,
        ['-e', "require('./build/local/function-entry.cjs')"],
        {
          cwd: ROOT,
          encoding: 'utf8',
          timeout: 30_000,
          env: {...process.env, TOPOLOGY_FILE: file},
        },
      );
      expect(result.status).not.to.equal(0);
      expect(result.stderr).to.contain('user.env.HTTP_PROXY: ');
    });
  });
});
