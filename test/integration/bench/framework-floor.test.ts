/**
 * The framework floor with the required libraries loads them, and without
 * does not: otherwise its ratio would judge nothing.
 */
import {expect} from 'chai';
import * as path from 'node:path';
import {REQUIRED_LIBRARIES} from '../../../bench/required-libraries';
import {ROOT} from '../../../local/stack';
import {runProcess} from '../../fixtures/run-process';

async function loaded(libraries: string): Promise<string[]> {
  const script = `
    require(${JSON.stringify(path.join(ROOT, 'build', 'bench', 'framework-floor.js'))});
    const names = ${JSON.stringify(REQUIRED_LIBRARIES)};
    process.stdout.write(JSON.stringify(names.filter(name =>
      Object.keys(require.cache).some(k => k.includes('/node_modules/' + name + '/')))));`;
  const result = await runProcess(process.execPath, ['-e', script], {
    PATH: process.env.PATH ?? '',
    FLOOR_ROLE: 'user',
    FLOOR_PROJECT: 'p',
    FLOOR_DATABASE: 'user-data',
    FLOOR_FIRESTORE: 'rest',
    FIRESTORE_EMULATOR_HOST: '127.0.0.1:9',
    FLOOR_LIBRARIES: libraries,
  });
  expect(result.status, result.output).to.equal(0);
  return JSON.parse(result.stdout) as string[];
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
});
