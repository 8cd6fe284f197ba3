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
import * as path from 'node:path';
import {REQUIRED_LIBRARIES} from '../../../bench/required-libraries';
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

/** Which of LAZY and REQUIRED_LIBRARIES `target` has loaded once started. */
function loads(target: string): Promise<string[]> {
  const entry = path.join(ROOT, 'build', 'functions', 'index.cjs');
  return packagesLoaded(
    `const m = require(${JSON.stringify(entry)});
    if (typeof m[${JSON.stringify(target)}] !== 'function') process.exit(2);`,
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
        `require(${JSON.stringify(path.join(ROOT, 'build', 'functions', 'index.cjs'))}).gateway`,
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
          `require(${JSON.stringify(path.join(ROOT, 'build', 'functions', 'index.cjs'))}).gateway`,
        ],
        {
          ...envOf('gateway'),
          // As Cloud Run sets them on every instance of a function.
          K_SERVICE: 'gateway',
          K_REVISION: 'gateway-00001-abc',
          FUNCTION_TARGET: 'gateway',
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
        `require(${JSON.stringify(path.join(ROOT, 'build', 'functions', 'index.cjs'))}).user`,
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
