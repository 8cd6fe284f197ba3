/**
 * package.json as a newcomer meets it: `npm ci` on a machine whose node is
 * older than the functions' runtime says nothing of the project's own
 * engine; `npm start` compiles only what changed, and starts what it
 * compiled; `npm run test:unit` prints its dots and no dependency's
 * deprecation among them.
 */
import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import {ROOT} from '../../../local/stack';

const PACKAGE = JSON.parse(
  readFileSync(path.join(ROOT, 'package.json'), 'utf8'),
) as {name: string; engines: {node: string}};

/** Runs npm in `cwd`; its status and everything it printed. */
function npm(cwd: string, args: string[], env = process.env) {
  const run = spawnSync('npm', args, {cwd, encoding: 'utf8', env});
  return {status: run.status, output: run.stdout + run.stderr};
}

/** `npm ci` as the lockfile alone decides it: nothing fetched, nothing run. */
const DRY_CI = [
  'ci',
  '--dry-run',
  '--offline',
  '--ignore-scripts',
  '--no-audit',
  '--no-fund',
];

describe('package.json', function () {
  this.timeout(180_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'package-json-'))));
  afterEach(() => rmSync(dir, {recursive: true, force: true}));

  it("installs with no engine warning of the project's own, where the machine's node is older than the functions' runtime", () => {
    // A runtime no node satisfies: whatever node runs npm here is the
    // machine's older one. --dry-run --offline: the lockfile alone decides.
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({...PACKAGE, engines: {node: '>=999'}}),
    );
    copyFileSync(
      path.join(ROOT, 'package-lock.json'),
      path.join(dir, 'package-lock.json'),
    );
    const install = npm(dir, [
      ...DRY_CI,
      // Warnings shown, whatever npm_config_loglevel the test run inherits.
      '--loglevel=warn',
    ]);
    expect(install.status, install.output).to.equal(0);
    const ownEngine = install.output
      .split('\n')
      .filter(l => l.includes(`package: '${PACKAGE.name}@`));
    expect(ownEngine, install.output).to.deep.equal([]);
  });

  it("installs quietly with the project's .npmrc, where every package wants a newer node than the machine's", () => {
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({...PACKAGE, engines: {node: '>=999'}}),
    );
    copyFileSync(path.join(ROOT, '.npmrc'), path.join(dir, '.npmrc'));
    // Every package of the lockfile wants a node no machine has, as some
    // seventy of them want a newer one than Node.js 20.
    const lock = JSON.parse(
      readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'),
    ) as {packages: Record<string, {engines?: Record<string, string>}>};
    for (const [at, entry] of Object.entries(lock.packages))
      if (at !== '') entry.engines = {node: '>=999'};
    writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(lock));
    const env = {...process.env};
    // The project's .npmrc decides, not a level the test run inherits.
    for (const name of Object.keys(env))
      if (name.toLowerCase() === 'npm_config_loglevel') delete env[name];
    const {status, output} = npm(dir, DRY_CI, env);
    expect(status, output).to.equal(0);
    expect(output, output).to.not.match(/EBADENGINE|npm warn/);
  });

  it('starts without compiling unchanged sources, and compiles a changed one', () => {
    // The project's own package.json and tsconfig.json, over one source.
    for (const file of ['package.json', 'tsconfig.json'])
      copyFileSync(path.join(ROOT, file), path.join(dir, file));
    symlinkSync(
      path.join(ROOT, 'node_modules'),
      path.join(dir, 'node_modules'),
    );
    mkdirSync(path.join(dir, 'local'));
    const source = path.join(dir, 'local', 'start.ts');
    const built = path.join(dir, 'build', 'local', 'start.js');
    const start = () => npm(dir, ['start']);

    writeFileSync(source, "console.log('first version');\n");
    const first = start();
    expect(first.status, first.output).to.equal(0);
    expect(first.output).to.contain('first version');
    const compiled = statSync(built).mtimeMs;

    const again = start();
    expect(again.status, again.output).to.equal(0);
    expect(again.output).to.contain('first version');
    expect(statSync(built).mtimeMs, 'rewritten though unchanged').to.equal(
      compiled,
    );

    writeFileSync(source, "console.log('second version');\n");
    const changed = start();
    expect(changed.status, changed.output).to.equal(0);
    expect(changed.output).to.contain('second version');
  });

  it("test:unit's run prints no dependency's deprecation", () => {
    // test:unit's configuration over the one unit test that provokes
    // node-fetch's deprecation (a key set answered longer than allowed).
    const config = path.join(dir, 'unit.mocharc.js');
    writeFileSync(
      config,
      `module.exports = {
        ...require(${JSON.stringify(path.join(ROOT, 'test', 'unit.mocharc.js'))}),
        spec: [${JSON.stringify(path.join(ROOT, 'build/test/unit/functions/common/identity/keys-fetch.test.js'))}],
      };`,
    );
    const run = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'),
        '--config',
        config,
      ],
      {cwd: ROOT, encoding: 'utf8'},
    );
    expect(run.status, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.match(/[1-9]\d* passing/);
    expect(run.stdout + run.stderr).not.to.contain('DeprecationWarning');
  });
});
