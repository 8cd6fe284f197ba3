/**
 * The entry point loads only the targeted function, and no function loads
 * the Firestore client to start: it is most of what a start costs, and the
 * gateway never needs it (the stack's tests show user and order using it).
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
  it('starts every function without loading Firestore: user and order load it on their first request that reads or writes', async () => {
    for (const target of ['gateway', 'user', 'order'])
      expect(await loads(target), target).to.deep.equal({
        firestore: false,
        type: 'function',
      });
  });

  it('says, run with no environment, what is missing and how to get it: no stack trace', async () => {
    const cli = path.join(ROOT, 'node_modules', '.bin', 'functions-framework');
    for (const name of ['gateway', 'user', 'order']) {
      const result = await runProcess(
        cli,
        [`--target=${name}`, '--port=0', `--source=${ROOT}`],
        {PATH: ENV.PATH},
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
