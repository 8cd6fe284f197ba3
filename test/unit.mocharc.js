/**
 * `npm run test:unit`: the tests under test/unit/, which need no Firestore
 * emulator, no browser and no child process: nothing but Node, in seconds.
 * test/integration/ holds the ones that start real parts (the emulator, a
 * stack, processes), test/e2e/ the whole system as a client uses it.
 * `npm test` (.mocharc.json) runs all three; test/unit/layout.test.ts
 * fails when a test under test/unit/ starts more than Node.
 */
module.exports = {
  spec: ['build/test/unit/**/*.test.js'],
  timeout: 10000,
  reporter: 'dot',
};
