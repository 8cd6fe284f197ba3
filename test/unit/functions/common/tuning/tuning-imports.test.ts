/**
 * What exists for speed alone is in one removable place: nothing of the
 * project's compiled code requires functions/common/tuning/ but tuning/
 * itself and the two entry points, whose tuning lines switch it on
 * (docs/tuning.md).
 */
import {expect} from 'chai';
import {readdirSync} from 'node:fs';
import * as path from 'node:path';
import {relativeRequires} from '../../../../fixtures/requires';

// The compiled project, from build/test/unit/functions/common/tuning/.
const BUILD = path.resolve(__dirname, '..', '..', '..', '..', '..');
const TUNING = path.join(BUILD, 'functions', 'common', 'tuning');
const ENTRIES = [
  path.join(BUILD, 'functions', 'index.cjs'),
  path.join(BUILD, 'local', 'function-entry.cjs'),
];

const inside = (dir: string, file: string) =>
  !path.relative(dir, file).startsWith('..');

function compiledUnder(dir: string): string[] {
  return readdirSync(dir, {recursive: true, encoding: 'utf8'})
    .filter(f => f.endsWith('.js') || f.endsWith('.cjs'))
    .map(f => path.join(dir, f));
}

describe('functions/common/tuning (speed alone, in one place)', () => {
  it('is required by the two entry points alone, outside itself', () => {
    const files = [
      ...compiledUnder(path.join(BUILD, 'functions')),
      ...compiledUnder(path.join(BUILD, 'local')),
    ];
    const offenders = files
      .filter(f => !inside(TUNING, f) && !ENTRIES.includes(f))
      .flatMap(f =>
        relativeRequires(f)
          .filter(m => inside(TUNING, m))
          .map(m => `${path.relative(BUILD, f)} -> ${path.relative(BUILD, m)}`),
      );
    expect(offenders).to.deep.equal([]);
  });

  it('is switched on by each entry point', () => {
    for (const entry of ENTRIES)
      expect(
        relativeRequires(entry).filter(m => inside(TUNING, m)),
        entry,
      ).to.have.length.greaterThan(0);
  });
});
