/**
 * The one place that reads the environment. Each function parses its
 * configuration once, at start, and a bad deployment fails right there with
 * a message naming every bad variable instead of at the first request.
 */
import {z} from 'zod';

export type ServiceName = 'gateway' | 'user' | 'order';

/**
 * How incoming calls are authenticated.
 * - `verify`: check the token's signature, issuer, expiry, audience and caller
 *   (local stack, or anywhere the platform does not check tokens).
 * - `platform`: Cloud Run's IAM check already verified the signature (and may
 *   have stripped it); still enforce issuer, expiry, audience and allowlist.
 * - `off`: no tokens minted or checked. For local benchmarks only, refused
 *   on Cloud Run.
 */
export type AuthMode = 'verify' | 'platform' | 'off';

export interface AuthConfig {
  mode: AuthMode;
  /** This function's own URL: the audience incoming tokens must carry. */
  audience: string;
  /** Service account emails allowed to call this function. */
  allowedCallers: string[];
  issuer: string;
  certsUrl: string;
}

export interface Config {
  service: ServiceName;
  projectId: string;
  /** Present for user and order: the only functions that take calls from others. */
  auth?: AuthConfig;
  authMode: AuthMode;
  userUrl?: string;
  orderUrl?: string;
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
   * (FRAMEWORK_DOMAIN=on); off by default, see request-wrapper.ts.
   */
  frameworkDomain: boolean;
}

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

const positiveInt = (fallback: number) =>
  z.coerce
    .number({error: 'must be a number'})
    .int({error: 'must be a whole number'})
    .positive({error: 'must be positive'})
    .default(fallback);

const common = {
  GOOGLE_CLOUD_PROJECT: z
    .string({error: 'is required'})
    .min(1, {error: 'is required'}),
  AUTH_MODE: z.enum(['verify', 'platform', 'off']).default('verify'),
  DOWNSTREAM_TIMEOUT_MS: positiveInt(5000),
  DOWNSTREAM_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  REQUEST_TIMEOUT_MS: positiveInt(15000),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  K_SERVICE: z.string().optional(),
  EGRESS_PROXY: httpUrl.optional(),
  FRAMEWORK_DOMAIN: z.enum(['on', 'off']).default('off'),
};

const inbound = {
  SELF_URL: httpUrl.optional(),
  ALLOWED_CALLERS: emailList.optional(),
  TOKEN_ISSUER: z.string().min(1).default('https://accounts.google.com'),
  TOKEN_CERTS_URL: httpUrl.default(
    'https://www.googleapis.com/oauth2/v1/certs',
  ),
};

const schemas = {
  gateway: z.object({...common, USER_URL: httpUrl, ORDER_URL: httpUrl}),
  user: z.object({...common, ...inbound, ORDER_URL: httpUrl}),
  order: z.object({...common, ...inbound}),
};

/**
 * Parses and validates the configuration of one function.
 * @throws ConfigError naming every missing or malformed variable.
 */
export function parseConfig(
  service: ServiceName,
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const result = schemas[service].safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map(i => `${i.path.join('.')}: ${i.message}`),
    );
  }
  const vars = result.data as z.infer<(typeof schemas)['user']> &
    Partial<z.infer<(typeof schemas)['gateway']>>;

  const problems: string[] = [];
  if (vars.AUTH_MODE === 'off' && vars.K_SERVICE !== undefined) {
    problems.push(
      'AUTH_MODE: "off" is for local benchmarks and is refused on Cloud Run',
    );
  }
  let auth: AuthConfig | undefined;
  if (service !== 'gateway' && vars.AUTH_MODE !== 'off') {
    if (vars.SELF_URL === undefined)
      problems.push(
        "SELF_URL: is required (this function's URL, the token audience)",
      );
    if (vars.ALLOWED_CALLERS === undefined)
      problems.push(
        'ALLOWED_CALLERS: is required (service account emails allowed to call)',
      );
    if (vars.SELF_URL !== undefined && vars.ALLOWED_CALLERS !== undefined) {
      auth = {
        mode: vars.AUTH_MODE,
        audience: vars.SELF_URL,
        allowedCallers: vars.ALLOWED_CALLERS,
        issuer: vars.TOKEN_ISSUER,
        certsUrl: vars.TOKEN_CERTS_URL,
      };
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    service,
    projectId: vars.GOOGLE_CLOUD_PROJECT,
    auth,
    authMode: vars.AUTH_MODE,
    userUrl: vars.USER_URL,
    orderUrl: vars.ORDER_URL,
    downstreamTimeoutMs: vars.DOWNSTREAM_TIMEOUT_MS,
    downstreamRetries: vars.DOWNSTREAM_RETRIES,
    requestTimeoutMs: vars.REQUEST_TIMEOUT_MS,
    logLevel: vars.LOG_LEVEL,
    egressProxy: vars.EGRESS_PROXY,
    frameworkDomain: vars.FRAMEWORK_DOMAIN === 'on',
  };
}
