/**
 * The local stack's entry point exports the topology's functions: those of
 * functions/catalog.ts by entry point, a fixture function from its
 * `source`, and refuses at start a function that is neither, which the
 * deployed entry point would not export.
 */
import {expect} from 'chai';
import type {FunctionModule} from '../../../functions/common/setup/entry-points';
import {ConfigError} from '../../../functions/common/platform/variables';
import {functionModules} from '../../../local/function-modules';

const stub = (): FunctionModule => ({create: () => () => undefined});
const catalog = {gateway: stub, user: stub};
type Declared = Parameters<typeof functionModules>[0]['declared'];
const declared = (
  ...fs: {name: string; entryPoint: string; source?: string}[]
): {declared: Declared} => ({declared: fs as unknown as Declared});

describe('local/function-modules', () => {
  it("takes each function of the catalog by its entry point, and only the topology's", () => {
    const modules = functionModules(
      declared({name: 'gateway', entryPoint: 'gateway'}),
      catalog,
      '/build',
    );
    expect(Object.keys(modules)).to.deep.equal(['gateway']);
    expect(modules.gateway).to.equal(stub);
  });

  it('takes a function whose entry names a source from that folder', () => {
    const modules = functionModules(
      declared(
        {name: 'gateway', entryPoint: 'gateway'},
        {
          name: 'inventory',
          entryPoint: 'inventory',
          source: 'test/fixtures/inventory',
        },
      ),
      catalog,
      '/build',
    );
    expect(Object.keys(modules)).to.deep.equal(['gateway', 'inventory']);
  });

  it('refuses, naming each, a function neither the catalog nor a source gives', () => {
    let error: unknown;
    try {
      functionModules(
        declared(
          {name: 'stock', entryPoint: 'stock'},
          {name: 'user', entryPoint: 'user'},
          {name: 'audit', entryPoint: 'audit'},
        ),
        catalog,
        '/build',
      );
    } catch (e: unknown) {
      error = e;
    }
    expect(error).to.be.instanceOf(ConfigError);
    const {problems} = error as ConfigError;
    expect(problems).to.have.length(2);
    expect(problems[0]).to.match(/^stock: /);
    expect(problems[1]).to.match(/^audit: /);
  });
});
