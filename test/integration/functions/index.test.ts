/**
 * The entry point loads only the targeted function, and no function loads
 * the Firestore client to start: it is most of what a start costs, and the
 * gateway never needs it (the stack's tests show user and order using it).
 * Nor google-auth-library and gaxios, which only a request needs: a new
 * instance answers its health check without them. Nor the OTLP exporter,
 * which only the first export needs, after the first answer. Each does load
 * zod and the OpenTelemetry SDK, which the benchmark's framework floor
 * loads to stand for them (bench/required-libraries.ts).
 */
import {expect} from 'chai';
import type {ChildProcess} from 'node:child_process';
import {cpSync, existsSync, mkdtempSync, rmSync, symlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import {REQUIRED_LIBRARIES} from '../../../bench/required-libraries';
import {
  freePort,
  spawnGroup,
  stopGroup,
  waitFor,
} from '../../../local/processes';
import {ROOT} from '../../../local/stack';
import {functionEnv, loadTopology} from '../../../scripts/topology';
import {packagesLoaded} from '../../fixtures/loaded-packages';
import {runProcess} from '../../fixtures/run-process';

const topology = loadTopology();
const NAMES = topology.declared.map(f => f.name);
const PATH = process.env.PATH ?? '';

/**
 * The environment deploy.sh gives `name`, with made-up URLs, spans
 * exported to the Telemetry API as deploy.sh has them
 * (scripts/deploy-functions.sh), with the function's own credentials.
 */
function envOf(name: string): Record<string, string> {
  const urls = Object.fromEntries(NAMES.map(n => [n, `http://${n}.test`]));
  return {
    PATH,
    // As Cloud Run sets it on every instance of a function.
    FUNCTION_TARGET: name,
    ...functionEnv(topology, name, {projectId: 'p', urls}),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:
      'https://telemetry.googleapis.com/v1/traces',
  };
}

/** What loads only when first needed, never to start a function. */
const LAZY = [
  '@google-cloud/firestore',
  'google-auth-library',
  'gaxios',
  '@opentelemetry/exporter-trace-otlp-http',
];

/**
 * A script that loads `entry` as the framework does, then exits 2 unless
 * `target` is registered with the framework (functions.http).
 */
function registering(entry: string, target: string): string {
  return `require(${JSON.stringify(entry)});
    const registry = require('node:module').createRequire(
      require.resolve('@google-cloud/functions-framework'),
    )('./function_registry');
    if (typeof registry.getRegisteredFunction(${JSON.stringify(target)})?.userFunction !== 'function')
      process.exit(2);`;
}

/** Which of LAZY and REQUIRED_LIBRARIES `target` has loaded once started. */
function loads(target: string): Promise<string[]> {
  const entry = path.join(ROOT, 'build', 'functions', 'index.cjs');
  return packagesLoaded(
    registering(entry, target),
    [...LAZY, ...REQUIRED_LIBRARIES],
    envOf(target),
  );
}

describe('functions/index (entry point)', () => {
  it('starts every function without loading Firestore, google-auth-library or the OTLP exporter: each is loaded when first needed', async () => {
    expect(NAMES).to.include.members(['gateway', 'user', 'order']);
    // zod and the OpenTelemetry SDK are loaded, which the benchmark's
    // framework floor loads to stand for them.
    for (const target of NAMES)
      expect(await loads(target), target).to.deep.equal(REQUIRED_LIBRARIES);
  });

  it('says, run with no environment, what is missing and how to get it: no stack trace', async () => {
    const cli = path.join(ROOT, 'node_modules', '.bin', 'functions-framework');
    for (const name of NAMES) {
      const result = await runProcess(
        cli,
        [`--target=${name}`, '--port=0', `--source=${ROOT}`],
        {PATH},
      );
      expect(result.status, name).to.equal(1);
      expect(result.output)
        .to.contain(`The ${name} function cannot start`)
        .and.contain('GOOGLE_CLOUD_PROJECT: is required')
        .and.contain(`npm start -- --except ${name}`)
        .and.contain(`eval "$(npm run -s env -- ${name})"`);
      expect(result.output).not.to.match(/^\s+at /m);
      expect(result.output).not.to.contain('syntax error');
    }
  });

  it('refuses to start with a bad configuration, naming the variable', async () => {
    const result = await runProcess(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(path.join(ROOT, 'build', 'functions', 'index.cjs'))})`,
      ],
      {...envOf('gateway'), USER_URL: 'not a url', ORDER_URL: ''},
    );
    expect(result.status).to.not.equal(0);
    expect(result.output)
      .to.match(/USER_URL: must be an http\(s\) URL/)
      .and.match(/ORDER_URL/);
  });

  const SWITCHES: [string, string][] = [
    ['CALL_TOKENS', 'off'],
    ['EGRESS_PROXY', 'http://127.0.0.1:8088'],
    ['FRAMEWORK_DOMAIN', 'on'],
    ['TOPOLOGY_FILE', path.join(ROOT, 'topology.json')],
  ];
  SWITCHES.forEach(([name, value]) =>
    it(`refuses to start on Cloud Run with ${name} set, naming it: only the local stack's entry point reads it`, async () => {
      const result = await runProcess(
        process.execPath,
        [
          '-e',
          `require(${JSON.stringify(path.join(ROOT, 'build', 'functions', 'index.cjs'))})`,
        ],
        {
          ...envOf('gateway'),
          // As Cloud Run sets them on every instance of a function.
          K_SERVICE: 'gateway',
          K_REVISION: 'gateway-00001-abc',
          [name]: value,
        },
      );
      expect(result.status, result.output).to.equal(1);
      expect(result.output)
        .to.contain('The gateway function cannot start')
        .and.match(new RegExp(`^ {2}${name}: `, 'm'));
    }),
  );

  it('refuses to start a function whose topology entry leaves out a call its code makes', async () => {
    const result = await runProcess(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(path.join(ROOT, 'build', 'functions', 'index.cjs'))})`,
      ],
      // What deploy.sh would give user, were "calls": ["order"] left out.
      {...envOf('user'), CALLS: '', ORDER_URL: ''},
    );
    expect(result.status).to.equal(1);
    expect(result.output).to.contain(
      'CALLS: the user function calls order, but its entry in topology.json does not list it in "calls"',
    );
  });
});

describe('functions/index (entry point), deployed: its code and its settings alone', function () {
  this.timeout(60_000);
  let dir: string;
  let child: ChildProcess | undefined;

  // What a deployment holds once built: the compiled functions, package.json
  // and the packages, and neither topology.json nor scripts/ (.gcloudignore).
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'deployed-'));
    cpSync(
      path.join(ROOT, 'build', 'functions'),
      path.join(dir, 'build', 'functions'),
      {recursive: true},
    );
    cpSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
    symlinkSync(
      path.join(ROOT, 'node_modules'),
      path.join(dir, 'node_modules'),
    );
  });
  after(async () => {
    if (child !== undefined) await stopGroup(child);
    rmSync(dir, {recursive: true, force: true});
  });

  it('has no topology.json or scripts/ beside it', () => {
    expect(existsSync(path.join(dir, 'topology.json'))).to.equal(false);
    expect(existsSync(path.join(dir, 'scripts'))).to.equal(false);
  });

  it('registers every function, each built from its environment', async () => {
    const entry = path.join(dir, 'build', 'functions', 'index.cjs');
    for (const name of NAMES) {
      const result = await runProcess(
        process.execPath,
        ['-e', registering(entry, name)],
        envOf(name),
      );
      expect(result.status, `${name}: ${result.output}`).to.equal(0);
    }
  });

  it('serves, started by the Functions Framework as Cloud Run starts it', async () => {
    const port = await freePort();
    child = spawnGroup(
      path.join(ROOT, 'node_modules', '.bin', 'functions-framework'),
      ['--target=gateway', `--port=${port}`, `--source=${dir}`],
      {cwd: dir, env: envOf('gateway'), stdio: 'ignore'},
    );
    const url = `http://127.0.0.1:${port}/`;
    await waitFor(
      'the deployed gateway',
      async () => (await fetch(url)).ok,
      30_000,
      child,
    );
    expect((await fetch(url)).status).to.equal(200);
    // Paths the framework would answer itself with an empty 404, answered
    // as the API answers (IGNORED_ROUTES, set to none by the topology).
    for (const p of ['favicon.ico', 'robots.txt']) {
      const res = await fetch(`${url}${p}`);
      expect(res.status, p).to.equal(404);
      expect(res.headers.get('content-type'), p).to.match(
        /^application\/problem\+json/,
      );
    }
  });
});
