/**
 * scripts/compile-cache.js, as gcp-build runs it: the cache it fills is the
 * one a function started as deployed (NODE_COMPILE_CACHE, from the
 * topology's environment) reads instead of compiling.
 */
import {expect} from 'chai';
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import {functionsNode} from '../../../local/runtime';
import {ROOT} from '../../../local/stack';

describe('scripts/compile-cache.js', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'compile-cache-'));
    execFileSync(
      functionsNode(),
      [path.join(ROOT, 'scripts', 'compile-cache.js'), dir],
      {cwd: ROOT, stdio: 'pipe'},
    );
  });
  after(() => rmSync(dir, {recursive: true, force: true}));

  /** What Node.js says of each module's cache when `code` loads modules. */
  const verdicts = (code: string) => {
    const run = spawnSync(functionsNode(), ['-e', code], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_COMPILE_CACHE: dir,
        NODE_COMPILE_CACHE_PORTABLE: '1',
        NODE_DEBUG_NATIVE: 'COMPILE_CACHE',
      },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).to.equal(0);
    const accepted = new Set<string>();
    const compiled = new Set<string>();
    for (const line of run.stderr.split('\n')) {
      const m = / for CommonJS (\S+) was (accepted|not initialized)/.exec(line);
      if (m) (m[2] === 'accepted' ? accepted : compiled).add(m[1]);
    }
    return {accepted, compiled};
  };

  it('holds every module a function, the framework and the Firestore client load, so none is compiled again', () => {
    expect(readdirSync(dir)).to.have.length(1); // one per Node.js version
    const {accepted, compiled} = verdicts(
      `const main = require.resolve('@google-cloud/functions-framework');
       require(require('node:path').join(main, '..', 'server.js'));
       require('./build/functions/order/index');
       require('./build/functions/order/store');
       require('@google-cloud/firestore');`,
    );
    const under = (part: string) =>
      [...accepted].filter(f => f.includes(part)).length;
    expect(under('/build/functions/order/')).to.be.greaterThan(3);
    expect(under('/functions-framework/')).to.be.greaterThan(3);
    expect(under('/express/')).to.be.greaterThan(3);
    expect(under('/@google-cloud/firestore/')).to.be.greaterThan(20);
    // Only the command line's own code is new.
    expect([...compiled].filter(f => f.startsWith('/'))).to.deep.equal([]);
  });
});
