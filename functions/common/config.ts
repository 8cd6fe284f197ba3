/**
 * A function's configuration, read from the environment. Each function
 * parses it once, at start, and a bad deployment fails right there with a
 * message naming every bad variable instead of at the first request. The
 * environment is read elsewhere only for what comes before a function
 * exists: which topology file the entry point reads (TOPOLOGY_FILE,
 * index.cts), whether the framework keeps its per-request domain
 * (FRAMEWORK_DOMAIN, framework.ts), and whether Firestore is the emulator
 * (FIRESTORE_EMULATOR_HOST, firestore.ts); the order function's own
 * settings are parsed from the same environment (order/settings.ts).
 */
import {z} from 'zod';
// The topology's own rules, written once: what the scripts check a
// function's entry with is what the function checks its environment with.
import {DATABASE_ID, urlVariable} from '../../scripts/topology-parse';
import type {EndUserConfig} from './auth/end-user';

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
  /**
   * Whether calls to other functions carry an ID token of this function's
   * account (CALL_TOKENS=off: local benchmarks only, refused on Cloud Run).
   */
  callTokens: boolean;
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
   * Locally only: the VPC connector's stand-in, an HTTP proxy that calls to
   * other functions go through, as `--egress-settings=all` sends them through
   * the Serverless VPC Access connector on Google Cloud. Unset there: the
   * network does it.
   */
  egressProxy?: string;
  /**
   * Keep the Functions Framework's per-request `domain`
   * (FRAMEWORK_DOMAIN=on); off by default, see framework.ts.
   */
  frameworkDomain: boolean;
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

export const LOG_LEVELS = [
  'debug',
  'info',
  'warning',
  'error',
  'silent',
] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * FRAMEWORK_DOMAIN=on: the Functions Framework as it ships (framework.ts),
 * read before any function is built; parseConfig refuses a wrong value.
 */
export function frameworkDefaultsKept(
  env: {FRAMEWORK_DOMAIN?: string} = process.env,
): boolean {
  return env.FRAMEWORK_DOMAIN === 'on';
}

/** Thrown once, listing every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const httpUrl = z
  .url({protocol: /^https?$/, error: 'must be an http(s) URL'})
  // A trailing slash would make the audience differ from the caller's.
  .transform(u => u.replace(/\/+$/, ''));

const emailList = z
  .string()
  .transform(s =>
    s
      .split(',')
      .map(e => e.trim())
      .filter(e => e.length > 0),
  )
  .pipe(
    z
      .array(z.email({error: 'must be a comma-separated list of emails'}))
      .min(1, {error: 'must name at least one caller'}),
  );

/** Where Identity Platform publishes the keys that sign end users' ID tokens. */
const IDENTITY_PLATFORM_CERTS_URL =
  'https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com';

/** The `iss` of Identity Platform's ID tokens for `projectId`. */
export const identityPlatformIssuer = (projectId: string) =>
  `https://securetoken.google.com/${projectId}`;

/** A whole number above zero, `fallback` when unset. */
export const positiveInt = (fallback: number) =>
  z.coerce
    .number({error: 'must be a number'})
    .int({error: 'must be a whole number'})
    .positive({error: 'must be positive'})
    .default(fallback);

const variables = {
  GOOGLE_CLOUD_PROJECT: z
    .string({error: 'is required'})
    .min(1, {error: 'is required'}),
  CALL_TOKENS: z.enum(['on', 'off']).default('on'),
  CALLS: z
    .string()
    .default('')
    .transform(s =>
      s
        .split(',')
        .map(name => name.trim())
        .filter(name => name.length > 0),
    ),
  DOWNSTREAM_TIMEOUT_MS: positiveInt(5000),
  DOWNSTREAM_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  REQUEST_TIMEOUT_MS: positiveInt(15000),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  K_SERVICE: z.string().optional(),
  EGRESS_PROXY: httpUrl.optional(),
  FIRESTORE_DATABASE: z
    .string()
    .regex(DATABASE_ID, {
      error:
        'must be a Firestore database id (4-63 of a-z, 0-9, -, a letter first)',
    })
    .optional(),
  FRAMEWORK_DOMAIN: z.enum(['on', 'off']).default('off'),
  END_USER_AUTH: z.enum(['on', 'off']).default('on'),
  // Identity Platform's, derived from the project unless set (locally the
  // identity server's certs URL is set; issuer and audience are the same).
  END_USER_ISSUER: z.string().min(1).optional(),
  END_USER_AUDIENCE: z.string().min(1).optional(),
  END_USER_CERTS_URL: httpUrl.default(IDENTITY_PLATFORM_CERTS_URL),
  SELF_URL: httpUrl.optional(),
  // "anyone" (a public function), or the accounts that may call it.
  ALLOWED_CALLERS: z.string({
    error: 'is required ("anyone", or the emails of the callers)',
  }),
  TOKEN_CHECK: z.enum(['verify', 'platform']).default('verify'),
  TOKEN_ISSUER: z.string().min(1).default('https://accounts.google.com'),
  TOKEN_CERTS_URL: httpUrl.default(
    'https://www.googleapis.com/oauth2/v1/certs',
  ),
};

// The variables above, and the others of the environment: <NAME>_URL of each callee.
type Vars = z.infer<z.ZodObject<typeof variables>> & Record<string, unknown>;

/** The rules that span variables, reported like any other bad variable. */
function check(vars: Vars, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) =>
    ctx.addIssue({code: 'custom', path: [path], message});
  if (vars.CALL_TOKENS === 'off' && vars.K_SERVICE !== undefined)
    issue(
      'CALL_TOKENS',
      '"off" is for local benchmarks and is refused on Cloud Run',
    );
  for (const callee of vars.CALLS) {
    const url = vars[urlVariable(callee)];
    if (url === undefined)
      issue(
        urlVariable(callee),
        `is required (the URL of ${callee}, which this function calls)`,
      );
    else if (!httpUrl.safeParse(url).success)
      issue(urlVariable(callee), 'must be an http(s) URL');
  }
  if (vars.ALLOWED_CALLERS.trim() === 'anyone') return;
  const callers = emailList.safeParse(vars.ALLOWED_CALLERS);
  if (!callers.success)
    for (const i of callers.error.issues)
      ctx.addIssue({
        code: 'custom',
        path: ['ALLOWED_CALLERS', ...i.path],
        message: i.message,
      });
  if (vars.SELF_URL === undefined)
    issue('SELF_URL', "is required (this function's URL, the token audience)");
}

/** How callers' tokens are checked: none when anyone may call. */
function authOf(vars: Vars): AuthConfig | undefined {
  if (vars.ALLOWED_CALLERS.trim() === 'anyone' || vars.SELF_URL === undefined)
    return undefined;
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
    callTokens: vars.CALL_TOKENS === 'on',
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
    egressProxy: vars.EGRESS_PROXY,
    frameworkDomain: frameworkDefaultsKept(vars),
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
  const vars = parseVariables(z.looseObject(variables).superRefine(check), env);
  return configOf(service, vars, env);
}

/**
 * The variables `schema` reads from `env`, parsed.
 * @throws ConfigError naming every missing or malformed variable.
 */
export function parseVariables<T>(
  schema: z.ZodType<T>,
  env: Readonly<NodeJS.ProcessEnv>,
): T {
  const result = schema.safeParse(env);
  if (!result.success)
    throw new ConfigError(
      result.error.issues.map(i => `${i.path.join('.')}: ${i.message}`),
    );
  return result.data;
}
