/**
 * What the kept-bytecode device relies on: that V8, on the functions'
 * Node.js, throws a function's bytecode away in garbage collection unless
 * told not to, and that the flag set while the process runs still stops it.
 * Should an upgrade change either, one of these fails.
 */
import {expect} from 'chai';
import {execFileSync} from 'node:child_process';
import * as path from 'node:path';
import {functionsNode} from '../../../../../local/runtime';

const DEVICE = path.resolve(
  __dirname,
  '../../../../../functions/common/tuning/kept-bytecode.js',
);

/**
 * Whether a function that ran once still has its bytecode after ten
 * collections, in a process where V8 ages bytecode at every collection
 * (--stress-flush-code): the idle minute of production, made short.
 */
function keepsBytecode(withDevice: boolean): boolean {
  const script = `
    ${withDevice ? `require(${JSON.stringify(DEVICE)}).installKeptBytecode();` : ''}
    function ran(x) { return x + 1; }
    ran(1);
    const before = %GetOptimizationStatus(ran);
    for (let i = 0; i < 10; i++) gc();
    process.stdout.write(String(%GetOptimizationStatus(ran) === before));
  `;
  const out = execFileSync(
    functionsNode(),
    [
      '--allow-natives-syntax',
      '--expose-gc',
      '--stress-flush-code',
      '-e',
      script,
    ],
    {encoding: 'utf8'},
  );
  return out === 'true';
}

describe('kept bytecode (tuning/kept-bytecode.ts)', () => {
  const cases = [
    {
      name: 'V8 flushes a function’s bytecode as it ships',
      device: false,
      kept: false,
    },
    {
      name: 'with the tuning line, the bytecode stays',
      device: true,
      kept: true,
    },
  ];
  cases.forEach(c =>
    it(c.name, () => {
      expect(keepsBytecode(c.device)).to.equal(c.kept);
    }),
  );
});
