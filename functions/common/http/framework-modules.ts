/**
 * The Functions Framework's own modules and the Express it loads, wherever
 * npm placed them (relative requires are not limited by its package
 * exports): the Express that serves a function is the one whose router
 * routes it (router.ts) and whose entry the body guards wrap (framework.ts).
 */
import {createRequire} from 'node:module';

export const frameworkRequire = createRequire(
  require.resolve('@google-cloud/functions-framework'),
);
