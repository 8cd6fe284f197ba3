/**
 * A deployed function is its code and its settings: the entry point's list
 * (functions/catalog.ts) names the functions of topology.json whose code is
 * in functions/, nothing under functions/ reaches outside it (scripts/ and
 * topology.json are not deployed), and the rules the scripts keep a copy of
 * (they run before any build) are the functions' own.
 */
import {expect} from 'chai';
import {readdirSync, readFileSync} from 'node:fs';
import * as path from 'node:path';
import {FUNCTIONS} from '../../../functions/catalog';
import {
  DATABASE_ID,
  urlVariable,
} from '../../../functions/common/platform/variables';
import {loadTopology} from '../../../scripts/topology';
import * as parse from '../../../scripts/topology-parse';

// The project's root, from build/test/unit/functions/.
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

/** Every file under `dir` whose name ends with one of `endings`. */
function filesUnder(dir: string, endings: string[]): string[] {
  return readdirSync(dir, {recursive: true, encoding: 'utf8'})
    .filter(f => endings.some(e => f.endsWith(e)))
    .map(f => path.join(dir, f));
}

/** The relative modules `file` imports or requires, resolved. */
function relativeModules(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(
      /(?:from\s+|import\s+|require\(\s*|import\(\s*)['"](\.[^'"]*)['"]/g,
    ),
  ].map(m => m[1]);
  return specifiers.map(s => path.resolve(path.dirname(file), s));
}

const outside = (root: string) => (file: string) =>
  relativeModules(file)
    .filter(m => path.relative(root, m).startsWith('..'))
    .map(m => `${path.relative(ROOT, file)} -> ${path.relative(ROOT, m)}`);

describe('functions/catalog (what a deployed entry point exports)', () => {
  it('names each function of topology.json whose code is in functions/, by its entry point', () => {
    const inFunctions = loadTopology(path.join(ROOT, 'topology.json'))
      .declared.filter(f => f.source === undefined)
      .map(f => f.entryPoint);
    expect(Object.keys(FUNCTIONS).sort()).to.deep.equal(inFunctions.sort());
  });

  it('loads each function, whose folder exports create', () => {
    for (const [name, load] of Object.entries(FUNCTIONS))
      expect(load().create, name).to.be.a('function');
  });

  it('is code that imports nothing outside functions/, compiled or not', () => {
    const sources = path.join(ROOT, 'functions');
    const compiled = path.join(ROOT, 'build', 'functions');
    const files = [
      ...filesUnder(sources, ['.ts', '.cts']),
      ...filesUnder(compiled, ['.js', '.cjs']),
    ];
    expect(files.length).to.be.above(20);
    expect([
      ...filesUnder(sources, ['.ts', '.cts']).flatMap(outside(sources)),
      ...filesUnder(compiled, ['.js', '.cjs']).flatMap(outside(compiled)),
    ]).to.deep.equal([]);
  });
});

describe("the scripts' copy of the functions' rules", () => {
  const names = ['user', 'order', 'billing-v2', 'a-b-c', 'x9'];
  names.forEach(name =>
    it(`names ${name}'s URL variable as the functions read it`, () => {
      expect(parse.urlVariable(name)).to.equal(urlVariable(name));
    }),
  );

  it('checks a database id as the functions do', () => {
    expect(parse.DATABASE_ID.source).to.equal(DATABASE_ID.source);
    expect(parse.DATABASE_ID.flags).to.equal(DATABASE_ID.flags);
  });
});
