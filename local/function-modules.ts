/**
 * The functions the local stack's entry point exports: those of the
 * topology in use, each from the project's list (functions/catalog.ts, what
 * the deployed entry point exports) or, for a function whose entry names a
 * `source` (the tests' fixture functions), from that folder. A function of
 * the topology that is neither is refused here, at start, so that a
 * function missing from the deployed entry point fails on this machine
 * first rather than on Google Cloud.
 */
import * as path from 'node:path';
import type {
  FunctionModule,
  FunctionModules,
} from '../functions/common/setup/entry-points';
import {ConfigError} from '../functions/common/platform/variables';
import type {Topology} from '../scripts/topology';

/**
 * Each function of `topology` by entry point, loaded on first use.
 * @param catalog the project's functions (functions/catalog.ts)
 * @param root the compiled project (build/), where a `source` folder is
 * @throws ConfigError naming every function neither gives
 */
export function functionModules(
  topology: Pick<Topology, 'declared'>,
  catalog: FunctionModules,
  root: string,
): FunctionModules {
  const problems: string[] = [];
  const modules = topology.declared.flatMap(f => {
    if (f.source !== undefined) {
      const folder = path.join(root, f.source, 'index');
      return [[f.entryPoint, () => require(folder) as FunctionModule]];
    }
    if (Object.hasOwn(catalog, f.entryPoint))
      return [[f.entryPoint, catalog[f.entryPoint]]];
    problems.push(
      `${f.name}: its entryPoint "${f.entryPoint}" is not one of functions/catalog.ts, the functions the deployed entry point exports (add its line there, or name its folder in "source")`,
    );
    return [];
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.fromEntries(modules);
}
