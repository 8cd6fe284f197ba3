/**
 * The framework floor with the required libraries loads them, and without
 * does not; it runs the framework without its domain when asked to, and
 * as it ships otherwise: otherwise its ratios would judge nothing.
 */
import {expect} from 'chai';
import {readFileSync} from 'node:fs';
import * as path from 'node:path';
import {startFrameworkFloor} from '../../../bench/plain-servers';
import {REQUIRED_LIBRARIES} from '../../../bench/required-libraries';
import {ROOT} from '../../../local/stack';
import {packagesLoaded} from '../../fixtures/loaded-packages';
import {runProcess} from '../../fixtures/run-process';

const FLOOR = path.join(ROOT, 'build', 'bench', 'framework-floor.js');

const floorEnv = (env: Record<string, string>) => ({
  PATH: process.env.PATH ?? '',
  FLOOR_ROLE: 'user',
  FLOOR_PROJECT: 'p',
  FLOOR_DATABASE: 'user-data',
  FLOOR_FIRESTORE: 'rest',
  FIRESTORE_EMULATOR_HOST: '127.0.0.1:9',
  ...env,
});

function loaded(libraries: string): Promise<string[]> {
  return packagesLoaded(
    `require(${JSON.stringify(FLOOR)});`,
    REQUIRED_LIBRARIES,
    floorEnv({FLOOR_LIBRARIES: libraries}),
  );
}

/**
 * Whether the framework, once the floor is loaded, serves an HTTP function
 * as it is (no domain around it), as the fast path has it.
 */
async function servesWithoutDomain(
  env: Record<string, string>,
): Promise<boolean> {
  const wrappers = path.join(
    path.dirname(require.resolve('@google-cloud/functions-framework')),
    'function_wrappers.js',
  );
  const script = `require(${JSON.stringify(FLOOR)});
    const fn = () => undefined;
    process.stdout.write(String(require(${JSON.stringify(wrappers)}).wrapUserFunction(fn, 'http') === fn));`;
  const result = await runProcess(
    process.execPath,
    ['-e', script],
    floorEnv(env),
  );
  expect(result.status, result.output).to.equal(0);
  return result.stdout === 'true';
}

describe('bench/framework-floor', () => {
  it('loads zod and the OpenTelemetry SDK at start only when asked to', async () => {
    expect(await loaded('on')).to.deep.equal(REQUIRED_LIBRARIES);
    // The Firestore client loads OpenTelemetry's API by itself; zod and
    // the SDK, nothing of the floor's.
    const off = await loaded('off');
    expect(off).not.to.include('zod');
    expect(off).not.to.include('@opentelemetry/sdk-trace');
  });

  it('runs the framework without its domain only with FLOOR_DOMAIN=off', async () => {
    expect(await servesWithoutDomain({FLOOR_DOMAIN: 'off'})).to.equal(true);
    // As it ships otherwise: the first answers' floor.
    expect(await servesWithoutDomain({})).to.equal(false);
  });

  it('runs under load as ours run: without the domain, in production mode, every route its own', async function () {
    this.timeout(60_000);
    const floor = await startFrameworkFloor(
      process.env.FIRESTORE_EMULATOR_HOST!,
      'grpc',
    );
    try {
      expect(floor.pids).to.have.length(3);
      for (const pid of floor.pids) {
        const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
        expect(env).to.include.members([
          'FLOOR_DOMAIN=off',
          'NODE_ENV=production',
          'IGNORED_ROUTES=',
        ]);
      }
      const res = await fetch(`${floor.url}/api/user-orders/user-001`);
      expect(res.status).to.equal(200);
    } finally {
      await floor.stop();
    }
  });
});
