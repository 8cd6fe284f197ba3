/**
 * The variables a function's configuration is read from, each with its
 * rule, and the rules that span several (config.ts builds the
 * configuration from them). A bad deployment is refused with every bad
 * variable named at once.
 */
import {z} from 'zod';

/**
 * The variable that holds the URL of the function `name`, one it calls
 * (user -> USER_URL, billing-v2 -> BILLING_V2_URL).
 */
export function urlVariable(name: string): string {
  return `${name.toUpperCase().replace(/-/g, '_')}_URL`;
}

/** Firestore's rule for a database id (4-63 of a-z, 0-9, -; a letter first). */
export const DATABASE_ID = /^[a-z][a-z0-9-]{2,61}[a-z0-9]$/;

export const LOG_LEVELS = [
  'debug',
  'info',
  'warning',
  'error',
  'silent',
] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Thrown once, listing every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export const httpUrl = z
  .url({protocol: /^https?$/, error: 'must be an http(s) URL'})
  // A trailing slash would make the audience differ from the caller's.
  .transform(u => u.replace(/\/+$/, ''));

export const emailList = z
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

/**
 * The share of requests the entry function traces on Google Cloud, unless
 * its topology entry says otherwise: docs/observability.md weighs it.
 */
export const DEFAULT_TRACE_RATIO = 0.1;

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
  // OpenTelemetry's own names: where spans are exported, and how long
  // ended spans wait to go together.
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional(),
  OTEL_BSP_SCHEDULE_DELAY: positiveInt(5000),
  // The share of requests the entry function traces (docs/observability.md
  // says why this default on Google Cloud); the local stack sets 1.
  OTEL_TRACES_SAMPLER_ARG: z.coerce
    .number({error: 'must be a share from 0 to 1'})
    .min(0, {error: 'must be a share from 0 to 1'})
    .max(1, {error: 'must be a share from 0 to 1'})
    .default(DEFAULT_TRACE_RATIO),
  // Set by Cloud Run on every instance: the function's service and revision.
  K_SERVICE: z.string().optional(),
  K_REVISION: z.string().optional(),
  // Set by Cloud Run functions (a function deployed as one, not a service).
  FUNCTION_TARGET: z.string().optional(),
  FIRESTORE_DATABASE: z
    .string()
    .regex(DATABASE_ID, {
      error:
        'must be a Firestore database id (4-63 of a-z, 0-9, -, a letter first)',
    })
    .optional(),
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

/**
 * What only the local stack, its tests and the benchmark switch: calls
 * without tokens, calls through the local VPC connector, the framework as
 * it ships, another topology. Their own entry point
 * (local/function-entry.cts) reads them and takes them out of the
 * environment before a function's configuration is read from it, so a
 * deployment cannot switch them: a function whose environment holds one
 * refuses to start, naming it.
 */
export const LOCAL_SWITCHES = [
  'CALL_TOKENS',
  'EGRESS_PROXY',
  'FRAMEWORK_DOMAIN',
  'TOPOLOGY_FILE',
] as const;

// The variables above, and the others of the environment: <NAME>_URL of each callee.
export type Vars = z.infer<z.ZodObject<typeof variables>> &
  Record<string, unknown>;

/** The rules that span variables, reported like any other bad variable. */
function check(vars: Vars, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) =>
    ctx.addIssue({code: 'custom', path: [path], message});
  for (const name of LOCAL_SWITCHES)
    if (vars[name] !== undefined)
      issue(
        name,
        'is a switch of the local stack, its tests and the benchmark, read by their entry point alone (local/function-entry): refused here',
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

/** The environment's variables, parsed and checked together. */
export function parseEnvironment(env: Readonly<NodeJS.ProcessEnv>): Vars {
  return parseVariables(z.looseObject(variables).superRefine(check), env);
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
