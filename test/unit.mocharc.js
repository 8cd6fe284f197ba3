/**
 * `npm run test:unit`: the tests under test/unit/, which need no Firestore
 * emulator, no browser and no child process: nothing but Node, in seconds.
 * test/integration/ holds the ones that start real parts (the emulator, a
 * stack, processes), test/e2e/ the whole system as a client uses it.
 * `npm test` (.mocharc.json) runs all three; test/unit/layout.test.ts
 * fails when a test under test/unit/ starts more than Node.
 *
 * One warning is left out: node-fetch's "data doesn't exist" deprecation,
 * which the keys-fetch test provokes on purpose (a key set answered longer
 * than allowed). gaxios rejects such an answer with node-fetch's own
 * Response, whose deprecated `data` it cannot overwrite, and
 * google-auth-library's error logging reads `data`: all of it in the
 * dependencies, none in the code under test.
 */
module.exports = {
  spec: ['build/test/unit/**/*.test.js'],
  timeout: 10000,
  reporter: 'dot',
  'node-option': [
    'disable-warning=https://github.com/node-fetch/node-fetch/issues/1000 (response)',
  ],
};
