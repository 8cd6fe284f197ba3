/**
 * `npm run test:unit`: every test that needs no Firestore emulator, no
 * browser and no child process, so with nothing but Node installed, in
 * seconds. `npm test` (.mocharc.json) still runs everything.
 *
 * Which tests those are is read from the compiled tests themselves rather
 * than kept in a list: a test file is left out when it, or a fixture it
 * names, starts the emulator, a stack, a process or a browser. A new test
 * lands on the right side without anyone remembering to put it there.
 */
const {readdirSync, readFileSync, statSync} = require('node:fs');
const path = require('node:path');

const BUILD = path.join(__dirname, '..', 'build', 'test');
// What needs more than Node: the emulator (a Firestore client, the seed,
// the stack, which starts one), child processes, a browser.
const NEEDS_MORE =
  /fixtures\/emulator|createFirestore|loadSeed|local\/stack|local\/firestore-emulator|fixtures\/run-process|node:child_process|\bspawn|puppeteer/;

function testFiles(dir) {
  return readdirSync(dir).flatMap(name => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return testFiles(file);
    return name.endsWith('.test.js') ? [file] : [];
  });
}

module.exports = {
  spec: testFiles(BUILD).filter(
    file => !NEEDS_MORE.test(readFileSync(file, 'utf8')),
  ),
  timeout: 10000,
  reporter: 'dot',
};
