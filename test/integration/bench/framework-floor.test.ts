/**
 * The framework floor with the required libraries loads them, and without
 * does not: otherwise its ratio would judge nothing.
 */
import {expect} from 'chai';
import * as path from 'node:path';
import {REQUIRED_LIBRARIES} from '../../../bench/required-libraries';
import {ROOT} from '../../../local/stack';
import {packagesLoaded} from '../../fixtures/loaded-packages';

function loaded(libraries: string): Promise<string[]> {
  const floor = path.join(ROOT, 'build', 'bench', 'framework-floor.js');
  return packagesLoaded(
    `require(${JSON.stringify(floor)});`,
    REQUIRED_LIBRARIES,
    {
      PATH: process.env.PATH ?? '',
      FLOOR_ROLE: 'user',
      FLOOR_PROJECT: 'p',
      FLOOR_DATABASE: 'user-data',
      FLOOR_FIRESTORE: 'rest',
      FIRESTORE_EMULATOR_HOST: '127.0.0.1:9',
      FLOOR_LIBRARIES: libraries,
    },
  );
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
