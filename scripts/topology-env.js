// @ts-check
/**
 * What a function's own `env` in topology.json may hold: not what the
 * topology derives (its identity, who may call it, the URLs of what it
 * calls), not what decides whom it trusts or what code it runs, and only
 * values deploy.sh can pass as they are.
 */
'use strict';

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
// Set from the topology, never by hand: the function's identity and who may call it.
const DERIVED_ENV = [
  'GOOGLE_CLOUD_PROJECT',
  'TOKEN_CHECK',
  'SELF_URL',
  'ALLOWED_CALLERS',
  'CALLS',
  'CALL_TOKENS',
  'FIRESTORE_DATABASE',
];
// What decides whom a function trusts, or what code it runs: a function's
// own `env` may set none of it, so that topology.json cannot quietly point
// token checks at other keys, calls through another proxy, or preload code.
const TRUST_ENV = [
  'END_USER_AUTH',
  'EGRESS_PROXY',
  'TOPOLOGY_FILE',
  'FRAMEWORK_DOMAIN',
  'PORT',
];
// Families of the same: the identity settings (TOKEN_ISSUER,
// END_USER_CERTS_URL…), Google's and the platform's own variables (Cloud
// Run's K_SERVICE, the metadata server's GCE_METADATA_HOST…), the
// Firestore client's, and Node's (NODE_OPTIONS).
const TRUST_PREFIXES = [
  'TOKEN_',
  'END_USER_',
  'GOOGLE_',
  'GCE_',
  'GCLOUD_',
  'CLOUDSDK_',
  'CLOUD_RUN_',
  'K_',
  'FUNCTION_',
  'FIRESTORE_',
  'METADATA_',
  'NODE_',
  'NPM_',
];
// deploy.sh passes the environment as KEY=VALUE pairs split on ";"
// (--set-env-vars=^;^…): a value with one would make a second variable.
const safeEnvValue = (/** @type {string} */ value) =>
  ![...value].some(c => c === ';' || c < ' ' || c === '\u007f');

/**
 * The problems of one function's `env`: what it may not set (derived from
 * the topology, or deciding trust) and what deploy.sh could not pass.
 * @param {[string, unknown][]} env its variables, as entries
 * @param {string[]} urlVariables every function's URL variable
 * @param {(field: string, what: string) => void} fail
 */
function checkEnv(env, urlVariables, fail) {
  for (const [key, value] of env) {
    const at = `env.${key}`;
    if (!ENV_NAME.test(key)) fail(at, 'must be an UPPER_CASE name');
    if (DERIVED_ENV.includes(key) || urlVariables.includes(key))
      fail(at, 'is derived from the topology');
    else if (
      TRUST_ENV.includes(key) ||
      TRUST_PREFIXES.some(prefix => key.startsWith(prefix))
    )
      fail(
        at,
        'decides whom the function trusts or what it runs: not settable here',
      );
    if (typeof value !== 'string') fail(at, 'must be a string');
    else if (!safeEnvValue(value))
      fail(
        at,
        'must not hold ";" or control characters (it would split into another variable)',
      );
  }
}

module.exports = {checkEnv};
