/**
 * The entry point loads only the targeted function: the gateway, which keeps
 * no data, must not pay for loading the Firestore client at cold start.
 */
import {expect} from 'chai';
import * as path from 'node:path';
import {ROOT} from '../../local/stack';
import {runProcess} from '../fixtures/run-process';

const ENV = {
  PATH: process.env.PATH ?? '',
  GOOGLE_CLOUD_PROJECT: 'p',
  USER_URL: 'http://user.test',
  ORDER_URL: 'http://order.test',
  SELF_URL: 'http://self.test',
  ALLOWED_CALLERS: 'gateway-fn@p.iam.gserviceaccount.com',
};

async function loads(
  target: string,
): Promise<{firestore: boolean; type: string}> {
  const script = `
    const m = require(${JSON.stringify(path.join(ROOT, 'build', 'functions', 'index.js'))});
    const type = typeof m[${JSON.stringify(target)}];
    const firestore = Object.keys(require.cache).some(k => k.includes('@google-cloud/firestore'));
    process.stdout.write(JSON.stringify({firestore, type}));`;
  const result = await runProcess(process.execPath, ['-e', script], ENV);
  expect(result.status, result.output).to.equal(0);
  return JSON.parse(result.stdout);
}

describe('functions/index (entry point)', () => {
  it('serves the gateway without loading Firestore', async () => {
    expect(await loads('gateway')).to.deep.equal({
      firestore: false,
      type: 'function',
    });
  });

  it('loads Firestore for the functions that store data', async () => {
    expect(await loads('user')).to.deep.equal({
      firestore: true,
      type: 'function',
    });
    expect(await loads('order')).to.deep.equal({
      firestore: true,
      type: 'function',
    });
  });

  it('refuses to start with a bad configuration, naming the variable', async () => {
    const result = await runProcess(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(path.join(ROOT, 'build', 'functions', 'index.js'))}).gateway`,
      ],
      {
        PATH: ENV.PATH,
        GOOGLE_CLOUD_PROJECT: 'p',
        USER_URL: 'not a url',
      },
    );
    expect(result.status).to.not.equal(0);
    expect(result.output)
      .to.match(/USER_URL: must be an http\(s\) URL/)
      .and.match(/ORDER_URL/);
  });
});
