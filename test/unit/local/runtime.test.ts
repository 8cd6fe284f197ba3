/**
 * One Node.js major everywhere: .nvmrc names Google Cloud's runtime
 * (deploy.sh deploys nodejs<major>), package.json asks for it and brings
 * it, its types are its own, and the tests themselves run on it.
 */
import {expect} from 'chai';
import {readFileSync} from 'node:fs';
import * as path from 'node:path';
import {ROOT} from '../../../local/functions';
import {functionsNode, runtimeMajor} from '../../../local/runtime';

const pkg = JSON.parse(
  readFileSync(path.join(ROOT, 'package.json'), 'utf8'),
) as {
  engines: {node: string};
  devDependencies: Record<string, string>;
};
const majorOf = (range: string) => Number(/\d+/.exec(range)?.[0]);

describe('the runtime', () => {
  it('is one major in .nvmrc, engines, the node package and @types/node', () => {
    const major = runtimeMajor();
    expect(major).to.be.at.least(24);
    expect(pkg.engines.node).to.equal(`${major}.x`);
    expect(majorOf(pkg.devDependencies.node)).to.equal(major);
    expect(majorOf(pkg.devDependencies['@types/node'])).to.equal(major);
  });

  it('is the Node.js these tests run on', () => {
    expect(Number(process.versions.node.split('.')[0])).to.equal(
      runtimeMajor(),
    );
  });

  it('starts functions on this node when it is the runtime, and names what to run when not', () => {
    const major = runtimeMajor();
    expect(functionsNode(`${major}.1.0`, '/opt/node')).to.equal('/opt/node');
    for (const version of [`${major - 4}.20.2`, `${major + 2}.0.0`])
      expect(() => functionsNode(version, '/usr/bin/node'))
        .to.throw(`Node.js ${major}`)
        .with.property('message')
        .that.includes('npm start');
  });
});
