// @ts-check
/**
 * Reads topology.json, the one definition of the system's functions, checks
 * it, and derives what the rest of the project needs from it: the deploy
 * order, who may invoke whom, each function's environment and its Cloud Run
 * settings. Plain JavaScript with no dependencies, so deploy.sh, cleanup.sh
 * and test.sh can run it with `node` before anything is installed or built;
 * the TypeScript code (local stack, tests, benchmark) imports the same module.
 *
 * topology.json, per function (the key is the function's name):
 *   entryPoint            the export of functions/index.cts it runs
 *   serviceAccount        the account id it runs as (<id>@<project>.iam.gserviceaccount.com)
 *   ingress               "all" | "internal-only" | "internal-and-gclb"
 *   allowUnauthenticated  true: anyone may invoke it; false: only the functions that call it,
 *                         each through its own roles/run.invoker binding
 *   vpcEgress             its outgoing calls leave through the VPC connector (--egress-settings=all)
 *   calls                 the functions it may call: the invoker edges
 *   firestore             its data: {"database": "<id>", "collections": [...]}, a Firestore database
 *                         of its own (its account alone gets roles/datastore.user on it, by an IAM
 *                         condition); absent: it keeps no data
 *   env                   its own environment variables (strings), by allowlist (topology-env.js):
 *                         only the application's tuning, LOG_LEVEL, REQUEST_TIMEOUT_MS,
 *                         DOWNSTREAM_TIMEOUT_MS, DOWNSTREAM_RETRIES, OTEL_BSP_SCHEDULE_DELAY,
 *                         OTEL_TRACES_SAMPLER_ARG,
 *                         and names under APP_, the application's own prefix; any other name
 *                         (the runtime's, the platform's, a library's, a proxy's, a trust
 *                         setting) is refused, named; what the topology gives is derived
 *   source                optional: the folder of its code, relative to the project, when not
 *                         functions/<name> (the tests' fixture functions); it exports `create`
 *   localPort             where `npm start` serves it (<NAME>_PORT overrides)
 *   resources             maxInstances, concurrency, cpu, memory, timeout (gcloud's flag values)
 *
 * Derived for every function: ALLOWED_CALLERS ("anyone" when it allows
 * unauthenticated calls, else the service accounts of the functions that
 * call it), and CALLS (the functions it calls) with <NAME>_URL for each.
 * For a function that takes calls only from listed callers: TOKEN_CHECK
 * (how their tokens are checked: platform on Cloud Run) and SELF_URL (its
 * own URL, the audience of its tokens). For a function that keeps data:
 * FIRESTORE_DATABASE, its own database.
 * Derived for every function: END_USER_AUTH (on, unless deploy.sh's
 * --no-end-user-checks or the local stack's END_USER_AUTH=off), and the
 * issuer and audience of end users' Identity Platform ID tokens
 * (END_USER_ISSUER, END_USER_AUDIENCE), which every function checks.
 *
 * TOPOLOGY_FILE, when set, names the topology to use instead of topology.json
 * (for the scripts and the local stack alike: its entry point reads it; a
 * deployed function reads no topology).
 *
 * Command line (for the shell scripts):
 *   node scripts/topology.js shell                 bash declarations of the topology
 *   node scripts/topology.js env FN PROJECT [--no-end-user-checks] [NAME=URL...]
 *                                                  FN's environment as KEY=VALUE;KEY=VALUE,
 *                                                  with the URLs of itself and the functions it names;
 *                                                  end-user checks on unless the flag says otherwise
 *                                                  (deploy.sh's own flag: no environment turns them off)
 *   node scripts/topology.js readme                rewrites the README's picture and table of the functions
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const {parseTopology, TopologyError, urlVariable} = require('./topology-parse');
const {
  readmeBlock,
  resourceFlags,
  shellDeclarations,
  withBlock,
} = require('./topology-outputs');

/** @typedef {import('./topology-parse').Topology} Topology */

/** topology.json at the root of the project, from the source tree or from build/. */
function defaultFile() {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'topology.json');
    if (fs.existsSync(file)) return file;
    if (path.dirname(dir) === dir) throw new Error('topology.json not found');
  }
}

/**
 * The topology in use: the file TOPOLOGY_FILE names (a changed copy, as the
 * tests make), else the project's topology.json. The local stack's entry
 * point reads the same variable (local/function-entry.cts).
 */
function topologyFile() {
  const named = process.env.TOPOLOGY_FILE;
  return named ? path.resolve(named) : defaultFile();
}

/**
 * Reads and checks a topology file.
 * @param {string} [file] the topology in use by default (topologyFile)
 * @returns {Topology & {file?: string}} `file` when it is not the project's
 *   own: the functions must read the same copy (TOPOLOGY_FILE)
 */
function loadTopology(file = topologyFile()) {
  const topology = parseTopology(JSON.parse(fs.readFileSync(file, 'utf8')));
  return path.resolve(file) === defaultFile()
    ? topology
    : {...topology, file: path.resolve(file)};
}

/**
 * The email of a service account.
 * @param {string} accountId
 * @param {string} projectId
 */
function serviceAccountEmail(accountId, projectId) {
  return `${accountId}@${projectId}.iam.gserviceaccount.com`;
}

/** Where gcp-build leaves the compile cache, from the project's root. */
const COMPILE_CACHE = '.compile-cache';
/**
 * V8's young generation for every function, larger than Node sizes it for
 * the function's memory: a request allocates much that dies young, and
 * with Node's default semi-space an instance collects it so often that
 * garbage collection takes a large share of each request's CPU
 * (bench/young-generation.ts measures the two sizes side by side; the
 * benchmark's baselines start with it too, local/memory.ts).
 */
const FUNCTION_NODE_OPTIONS = '--max-semi-space-size=8';

/**
 * The environment a function is deployed with: its project, its own
 * variables, the URLs it needs, and for a function that checks its callers,
 * its own URL and the accounts allowed to call it.
 * @param {Topology} topology
 * @param {string} name
 * @param {{projectId: string, urls: Record<string, string>, tokenCheck?: string, endUserAuth?: string}} where
 *   urls: the URLs known so far (its own and those it needs)
 * @returns {Record<string, string>} in a stable order
 */
function functionEnv(topology, name, where) {
  const spec = topology.get(name);
  const url = (/** @type {string} */ fn) => {
    const value = where.urls[fn];
    if (value === undefined) throw new Error(`${name} needs the URL of ${fn}`);
    return value;
  };
  /** @type {Record<string, string>} */
  const env = {GOOGLE_CLOUD_PROJECT: where.projectId};
  Object.assign(env, spec.env);
  // The framework answers /favicon.ico and /robots.txt itself, with an
  // empty 404, unless its ignored routes are set; set to none, every path
  // reaches the function and is answered as the API answers (problem JSON).
  env.IGNORED_ROUTES = '';
  env.END_USER_AUTH = where.endUserAuth ?? 'on';
  env.END_USER_ISSUER = `https://securetoken.google.com/${where.projectId}`;
  env.END_USER_AUDIENCE = where.projectId;
  if (spec.allowUnauthenticated) env.ALLOWED_CALLERS = 'anyone';
  else {
    env.ALLOWED_CALLERS = spec.invokers
      .map(caller =>
        serviceAccountEmail(
          topology.get(caller).serviceAccount,
          where.projectId,
        ),
      )
      .join(',');
    env.TOKEN_CHECK = where.tokenCheck ?? 'platform';
    env.SELF_URL = url(name);
  }
  if (spec.firestore !== undefined)
    env.FIRESTORE_DATABASE = spec.firestore.database;
  if (spec.calls.length > 0) env.CALLS = spec.calls.join(',');
  for (const callee of spec.calls) env[urlVariable(callee)] = url(callee);
  // Node.js's module compile cache, which gcp-build fills on Cloud Build
  // (scripts/compile-cache.js): compiling the modules is most of a cold
  // start. Relative to the function's folder, /workspace on Cloud Run.
  env.NODE_COMPILE_CACHE = COMPILE_CACHE;
  env.NODE_COMPILE_CACHE_PORTABLE = '1';
  env.NODE_OPTIONS = FUNCTION_NODE_OPTIONS;
  return env;
}

/** @param {string[]} argv */
function main(argv) {
  const [command, ...args] = argv;
  const topology = loadTopology();
  if (command === 'shell' && args.length === 0) {
    return shellDeclarations(topology);
  }
  if (command === 'env' && args.length >= 2) {
    const [name, projectId, ...rest] = args;
    const endUserAuth = rest[0] === '--no-end-user-checks' ? 'off' : 'on';
    const pairs = endUserAuth === 'off' ? rest.slice(1) : rest;
    /** @type {Record<string, string>} */
    const urls = {};
    for (const pair of pairs) {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`expected NAME=URL, got "${pair}"`);
      urls[pair.slice(0, at)] = pair.slice(at + 1);
    }
    return Object.entries(
      functionEnv(topology, name, {projectId, urls, endUserAuth}),
    )
      .map(([key, value]) => `${key}=${value}`)
      .join(';');
  }
  if (command === 'readme' && args.length === 0) {
    const readme = path.join(path.dirname(defaultFile()), 'README.md');
    const text = fs.readFileSync(readme, 'utf8');
    fs.writeFileSync(readme, withBlock(text, readmeBlock(topology)));
    return `${readme}: topology written`;
  }
  throw new Error(
    'usage: topology.js shell | env FUNCTION PROJECT [--no-end-user-checks] [NAME=URL...] | readme',
  );
}

if (require.main === module) {
  try {
    process.stdout.write(main(process.argv.slice(2)) + '\n');
  } catch (e) {
    process.stderr.write(
      `topology.js: ${e instanceof Error ? e.message : String(e)}\n`,
    );
    process.exit(2);
  }
}

module.exports = {
  COMPILE_CACHE,
  FUNCTION_NODE_OPTIONS,
  loadTopology,
  parseTopology,
  functionEnv,
  resourceFlags,
  serviceAccountEmail,
  shellDeclarations,
  readmeBlock,
  withBlock,
  TopologyError,
  urlVariable,
};
