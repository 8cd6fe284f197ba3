/**
 * The unit tests stay units: none of them, nor a fixture it names, starts
 * the Firestore emulator, a stack, a process or a browser. Those belong in
 * test/integration/ (or test/e2e/), which `npm run test:unit` leaves out.
 */
import {expect} from 'chai';
import {readdirSync, readFileSync, statSync} from 'node:fs';
import * as path from 'node:path';

// What needs more than Node: the emulator (a Firestore client, the seed,
// the stack, which starts one), child processes, a browser.
const NEEDS_MORE = new RegExp(
  [
    'fixtures/emulator',
    'createFirestore',
    'loadSeed',
    'local/stack',
    'local/firestore-emulator',
    'fixtures/run-process',
    'node:child_process',
    '\\bspawn',
    'puppeteer',
  ].join('|'),
);

function compiledTests(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return compiledTests(file);
    return name.endsWith('.test.js') && file !== __filename ? [file] : [];
  });
}

describe('the unit tests', () => {
  it('start nothing but Node', () => {
    const files = compiledTests(__dirname);
    expect(files.length).to.be.above(10);
    const more = files.filter(f => NEEDS_MORE.test(readFileSync(f, 'utf8')));
    expect(more.map(f => path.relative(__dirname, f))).to.deep.equal([]);
  });
});
