/**
 * A function's configuration, built from its environment's variables
 * (variables.ts, where each one's rule is). Each function parses it once,
 * at start, and a bad deployment fails right there with a
 * message naming every bad variable instead of at the first request. The
 * environment is read elsewhere only for whether Firestore is the emulator
 * (FIRESTORE_EMULATOR_HOST, firestore.ts) and the Functions Framework's own
 * LOG_EXECUTION_ID (framework.ts); the order function's own settings are
 * parsed from the same environment (order/settings.ts). What only the
 * local stack, its tests and the benchmark switch is no part of it: their
 * entry point passes it in as collaborators (variables.ts LOCAL_SWITCHES).
 */
import {
  ConfigError,
  emailList,
  httpUrl,
  identityPlatformIssuer,
  parseEnvironment,
  urlVariable,
  type LogLevel,
  type Vars,
} from './variables';

/**
 * How an incoming service token is checked, where the function takes calls
 * only from the callers its topology entry allows (TOKEN_CHECK).
 * - `verify`: check the token's signature, issuer, expiry, audience and caller
 *   (local stack, or anywhere the platform does not check tokens).
 * - `platform`: Cloud Run's IAM check already verified the signature (and may
 *   have stripped it); still enforce issuer, expiry, audience and allowlist.
 */
export type TokenCheck = 'verify' | 'platform';

/** How a function that takes calls only from listed callers checks their tokens. */
export interface AuthConfig {
  mode: TokenCheck;
  /** This function's own URL: the audience incoming tokens must carry. */
  audience: string;
  /** Service account emails allowed to call this function. */
  allowedCallers: string[];
  issuer: string;
  certsUrl: string;
}

/** Where end-user tokens come from: the functions' END_USER_* configuration. */
export interface EndUserConfig {
  /** `https://securetoken.google.com/<project>`. */
  issuer: string;
  /** The project id. */
  audience: string;
  /** Identity Platform's signing keys, or the local identity server's. */
  certsUrl: string;
}

/**
 * One function's configuration. What differs between functions comes from
 * its entry in topology.json, through the environment deploy.sh and the
 * local stack derive from it (scripts/topology.js): whether anyone may call
 * it, and the functions it calls.
 */
export interface Config {
  /** The function's name in topology.json. */
  service: string;
  projectId: string;
  /**
   * How callers' service tokens are checked; absent when anyone may call
   * (ALLOWED_CALLERS=anyone: a public function, or the benchmark's auth-off).
   */
  auth?: AuthConfig;
  /** The URL of each function this one calls, by name (CALLS, <NAME>_URL). */
  calls: Record<string, string>;
  /**
   * The Firestore database this function owns (FIRESTORE_DATABASE, from its
   * topology entry): the only one it opens. Absent for a function that
   * keeps no data.
   */
  firestoreDatabase?: string;
  /** Upper bound for one call to another function. */
  downstreamTimeoutMs: number;
  /** Retries after the first attempt, for idempotent calls only. */
  downstreamRetries: number;
  /** The whole request's budget; calls downstream get what is left of it. */
  requestTimeoutMs: number;
  logLevel: LogLevel;
  /**
   * Where spans are exported over OTLP/HTTP
   * (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT): the Telemetry API on Google
   * Cloud, the console locally; not exported when unset.
   */
  tracesEndpoint?: string;
  /** How long ended spans wait to be exported together (OTEL_BSP_SCHEDULE_DELAY). */
  traceExportDelayMs: number;
  /**
   * The share of requests an entry function traces
   * (OTEL_TRACES_SAMPLER_ARG); the others follow their caller.
   */
  traceRatio: number;
  /**
   * On Cloud Run, the service and revision this instance runs
   * (K_SERVICE, K_REVISION), and whether it runs as a function
   * (FUNCTION_TARGET): what its spans' resource names.
   */
  cloudRun?: {service: string; revision?: string; function: boolean};
  /**
   * Where end users' ID tokens come from; absent when end-user checks are
   * off (END_USER_AUTH=off: the original demo's open API, no end-user
   * token needed).
   */
  endUsers?: EndUserConfig;
  /**
   * The variables all of this was read from, where a function reads the
   * settings that are its own alone (order/settings.ts).
   */
  env: Readonly<NodeJS.ProcessEnv>;
}

/**
 * Whether anyone may call the function (no check of its callers: a public
 * function, the first hop of every request). Its callers' trace headers
 * are then not theirs to set: it decides which requests are traced
 * whatever their flag (tracing.ts), and drops the `tracestate` they send
 * (propagation.ts).
 */
export function isEntry(config: Pick<Config, 'auth'>): boolean {
  return config.auth === undefined;
}

/**
 * The database of a function that keeps data.
 * @throws ConfigError at start when its topology entry gives it none.
 */
export function databaseOf(config: Config): string {
  if (config.firestoreDatabase === undefined)
    throw new ConfigError([
      `FIRESTORE_DATABASE: is required (the ${config.service} function keeps data: its entry in topology.json needs "firestore")`,
    ]);
  return config.firestoreDatabase;
}

/**
 * The URL of `callee`, one of the functions this one calls.
 * @throws ConfigError at start when topology.json does not list the call:
 *   then neither the URL nor the invoker binding exist.
 */
export function calleeUrl(config: Config, callee: string): string {
  const url = Object.hasOwn(config.calls, callee)
    ? config.calls[callee]
    : undefined;
  if (url === undefined)
    throw new ConfigError([
      `CALLS: the ${config.service} function calls ${callee}, but its entry in topology.json does not list it in "calls"`,
    ]);
  return url;
}

/**
 * How callers' tokens are checked: none when anyone may call, and only
 * then. A function with callers named and no URL of its own (the tokens'
 * audience) is refused, never opened: variables.ts refuses it first, and
 * this holds without it.
 * @throws ConfigError when callers are named and SELF_URL is not set.
 */
function authOf(vars: Vars): AuthConfig | undefined {
  if (vars.ALLOWED_CALLERS.trim() === 'anyone') return undefined;
  if (vars.SELF_URL === undefined)
    throw new ConfigError([
      "SELF_URL: is required (this function's URL, the token audience)",
    ]);
  return {
    mode: vars.TOKEN_CHECK,
    audience: vars.SELF_URL,
    allowedCallers: emailList.parse(vars.ALLOWED_CALLERS),
    issuer: vars.TOKEN_ISSUER,
    certsUrl: vars.TOKEN_CERTS_URL,
  };
}

function configOf(service: string, vars: Vars, env: NodeJS.ProcessEnv): Config {
  return {
    env,
    service,
    projectId: vars.GOOGLE_CLOUD_PROJECT,
    auth: authOf(vars),
    calls: Object.fromEntries(
      vars.CALLS.map(callee => [
        callee,
        httpUrl.parse(vars[urlVariable(callee)]),
      ]),
    ),
    firestoreDatabase: vars.FIRESTORE_DATABASE,
    downstreamTimeoutMs: vars.DOWNSTREAM_TIMEOUT_MS,
    downstreamRetries: vars.DOWNSTREAM_RETRIES,
    requestTimeoutMs: vars.REQUEST_TIMEOUT_MS,
    logLevel: vars.LOG_LEVEL,
    tracesEndpoint: vars.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
    traceExportDelayMs: vars.OTEL_BSP_SCHEDULE_DELAY,
    traceRatio: vars.OTEL_TRACES_SAMPLER_ARG,
    cloudRun:
      vars.K_SERVICE === undefined
        ? undefined
        : {
            service: vars.K_SERVICE,
            revision: vars.K_REVISION,
            function: vars.FUNCTION_TARGET !== undefined,
          },
    endUsers:
      vars.END_USER_AUTH === 'off'
        ? undefined
        : {
            issuer:
              vars.END_USER_ISSUER ??
              identityPlatformIssuer(vars.GOOGLE_CLOUD_PROJECT),
            audience: vars.END_USER_AUDIENCE ?? vars.GOOGLE_CLOUD_PROJECT,
            certsUrl: vars.END_USER_CERTS_URL,
          },
  };
}

/**
 * Parses and validates the configuration of one function.
 * @throws ConfigError naming every missing or malformed variable.
 */
export function parseConfig(
  service: string,
  env: NodeJS.ProcessEnv = process.env,
): Config {
  return configOf(service, parseEnvironment(env), env);
}
