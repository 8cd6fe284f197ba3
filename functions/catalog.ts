/**
 * The functions this project defines, one line each: its entry point (the
 * export the Functions Framework runs, topology.json's `entryPoint`, which
 * is also its name) and how its folder is loaded. Both entry points export
 * these: functions/index.cts, the one deployed, and the local stack's.
 * A deployed instance reads nothing else to know them: no topology.json
 * sits beside it.
 *
 * Each folder is required only when its function is the target, so the
 * gateway never loads Firestore.
 */
import type {FunctionModule} from './common/setup/entry-points';

export const FUNCTIONS: Readonly<Record<string, () => FunctionModule>> = {
  gateway: () => require('./gateway/index') as FunctionModule,
  user: () => require('./user/index') as FunctionModule,
  order: () => require('./order/index') as FunctionModule,
};
