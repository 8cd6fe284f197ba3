/**
 * The entry point the Functions Framework loads (package.json "main"), on
 * Google Cloud and in `npx functions-framework --target=<name>`: one
 * `functions.http()` per function the project defines (catalog.ts), the
 * target built from its environment alone with production's collaborators
 * (entry-points.ts): no
 * topology.json is deployed, nor read here. What only the local stack,
 * its tests and the benchmark switch is not read here: their entry point is
 * local/function-entry.cts, and a function started from this one refuses
 * to start with one of their variables set (variables.ts LOCAL_SWITCHES).
 *
 * A .cts file, compiled to index.cjs: the framework loads a `.cjs` entry
 * point as CommonJS straight away, where for a `.js` one it first imports
 * read-package-up (a graph of ES modules) to find the nearest package.json
 * and its "type", on every start of every instance.
 */
import {FUNCTIONS} from './catalog';
import {registerFunctions} from './common/setup/entry-points';
import {installFrameworkPatches} from './common/http/framework';
import {installFrameworkFastPath} from './common/tuning/framework-fast-path';
import {installHttpCalls} from './common/tuning/http-calls';
import {installFirestoreRestFirst} from './common/tuning/firestore-rest-first';

// Before the framework builds its server (it does once it has loaded this
// module): the body guards and the gentle shutdown, see framework.ts.
installFrameworkPatches();

// The tuning lines, one per device, for speed alone: without them the
// functions work as they do, slower (docs/tuning.md).
installFrameworkFastPath(); // tuning: no per-request domain (framework-fast-path.ts)
installHttpCalls(); // tuning: node:http for calls between functions (http-calls.ts)
installFirestoreRestFirst(); // tuning: Firestore over REST first, then gRPC (firestore-rest-first.ts)

registerFunctions(FUNCTIONS);
