// @ts-check
/**
 * What a function's own `env` in topology.json may hold: by allowlist, only
 * the application's own tuning, which the functions' configuration reads
 * and checks at start (functions/common/platform/variables.ts), and names under the
 * application's prefix; never what the topology derives, and only values
 * deploy.sh can pass as they are.
 *
 * Everything else is refused, whatever it is: the runtime's (NODE_OPTIONS,
 * LD_PRELOAD), the platform's and Google's (K_SERVICE, GOOGLE_…,
 * GCE_METADATA_HOST), the libraries' (OPENSSL_CONF, GRPC_…, OTEL_EXPORTER_…,
 * FIRESTORE_EMULATOR_HOST), the proxies' (HTTP_PROXY, NO_PROXY) and the
 * functions' own trust settings (END_USER_…, TOKEN_…, CALL_TOKENS,
 * EGRESS_PROXY): a list of what is forbidden is never complete, since any
 * of the code a function loads may read a variable no one listed.
 */
'use strict';

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * The names a topology's `env` may set, each the application's own tuning
 * and why an operator may set it: none decides whom a function trusts,
 * where its data, calls or spans go, or what code it runs, and each is
 * checked by the function's configuration at start (a bad value: the
 * function refuses to start, naming it).
 * @type {Readonly<Record<string, string>>}
 */
const TUNING_ENV = Object.freeze({
  LOG_LEVEL: 'how much the function logs (debug, info, warning, error, silent)',
  REQUEST_TIMEOUT_MS:
    "a request's whole budget, passed on to every hop; the topology's timeout bounds it",
  DOWNSTREAM_TIMEOUT_MS:
    'how long one call to another function may take, within the budget',
  DOWNSTREAM_RETRIES: 'how often a safe call is retried (0-5)',
  OTEL_BSP_SCHEDULE_DELAY:
    'how long ended spans wait to be exported together, in ms (not where they go)',
  OTEL_TRACES_SAMPLER_ARG:
    'the share of requests an entry function traces on Google Cloud, 0 to 1 (1 locally)',
});

/**
 * The prefix of the application's own variables: what a function's code
 * reads under it is the project's to define, and no runtime, platform or
 * library reads names under it.
 */
const APP_PREFIX = 'APP_';

// Set from the topology, never by hand: the function's identity and who may call it.
const DERIVED_ENV = [
  'GOOGLE_CLOUD_PROJECT',
  'TOKEN_CHECK',
  'SELF_URL',
  'ALLOWED_CALLERS',
  'CALLS',
  'FIRESTORE_DATABASE',
];

// deploy.sh passes the environment as KEY=VALUE pairs split on ";"
// (--set-env-vars=^;^…): a value with one would make a second variable.
const safeEnvValue = (/** @type {string} */ value) =>
  ![...value].some(c => c === ';' || c < ' ' || c === '\u007f');

/**
 * Whether a topology's `env` may set `key`: one of TUNING_ENV, or under
 * APP_PREFIX.
 * @param {string} key
 */
const settable = key =>
  Object.hasOwn(TUNING_ENV, key) ||
  (key.startsWith(APP_PREFIX) && key.length > APP_PREFIX.length);

/**
 * The problems of one function's `env`, each naming its key: a name that
 * is not UPPER_CASE, one the topology derives, one outside the allowlist,
 * and a value deploy.sh could not pass.
 * @param {[string, unknown][]} env its variables, as entries
 * @param {string[]} urlVariables every function's URL variable
 * @param {(field: string, what: string) => void} fail
 */
function checkEnv(env, urlVariables, fail) {
  for (const [key, value] of env) {
    const at = `env.${key}`;
    if (!ENV_NAME.test(key)) fail(at, 'must be an UPPER_CASE name');
    else if (DERIVED_ENV.includes(key) || urlVariables.includes(key))
      fail(at, 'is derived from the topology');
    else if (!settable(key))
      fail(
        at,
        `is not the application's to set: only ${Object.keys(TUNING_ENV).join(', ')} and ${APP_PREFIX}… names`,
      );
    if (typeof value !== 'string') fail(at, 'must be a string');
    else if (!safeEnvValue(value))
      fail(
        at,
        'must not hold ";" or control characters (it would split into another variable)',
      );
  }
}

module.exports = {APP_PREFIX, checkEnv, TUNING_ENV};
