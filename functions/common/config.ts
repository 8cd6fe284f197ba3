/**
 * The one place that reads the environment. Each function parses its
 * configuration once, at start, and a bad deployment fails right there with
 * a message naming every bad variable instead of at the first request.
 */
import {z} from 'zod';
import type {EndUserConfig} from './auth/end-user';

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

/** How an internal function checks the tokens of its callers. */
export interface AuthConfig {
  mode: Exclude<AuthMode, 'off'>;
  /** This function's own URL: the audience incoming tokens must carry. */
  audience: string;
  /** Service account emails allowed to call this function. */
  allowedCallers: string[];
  issuer: string;
  certsUrl: string;
}

/** What every function reads. */
interface BaseConfig {
  projectId: string;
  authMode: AuthMode;
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
   * off (END_USER_AUTH=off: the seed's open API, no end-user token needed).
   */
  endUsers?: EndUserConfig;
}

/** The public gateway: calls user and order, takes calls from anyone. */
export interface GatewayConfig extends BaseConfig {
  service: 'gateway';
  userUrl: string;
  orderUrl: string;
}

/** The internal functions take calls only from the callers they allow. */
interface InternalConfig extends BaseConfig {
  /** Absent only when authMode is "off". */
  auth?: AuthConfig;
}

export interface UserConfig extends InternalConfig {
  service: 'user';
  orderUrl: string;
}

export interface OrderConfig extends InternalConfig {
  service: 'order';
}

export type Config = GatewayConfig | UserConfig | OrderConfig;
export type ConfigOf<S extends ServiceName> = Extract<Config, {service: S}>;

export const LOG_LEVELS = [
  'debug',
  'info',
  'warning',
  'error',
  'silent',
] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Thrown once, listing every bad variable. */
/**
 * FRAMEWORK_DOMAIN=on: the Functions Framework as it ships (framework.ts),
 * read before any function is built; parseConfig refuses a wrong value.
 */
export function frameworkDefaultsKept(
  env: {FRAMEWORK_DOMAIN?: string} = process.env,
): boolean {
  return env.FRAMEWORK_DOMAIN === 'on';
}

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
  END_USER_AUTH: z.enum(['on', 'off']).default('on'),
  // Identity Platform's, derived from the project unless set (locally the
  // identity server's certs URL is set; issuer and audience are the same).
  END_USER_ISSUER: z.string().min(1).optional(),
  END_USER_AUDIENCE: z.string().min(1).optional(),
  END_USER_CERTS_URL: httpUrl.default(IDENTITY_PLATFORM_CERTS_URL),
};

const inbound = {
  SELF_URL: httpUrl.optional(),
  ALLOWED_CALLERS: emailList.optional(),
  TOKEN_ISSUER: z.string().min(1).default('https://accounts.google.com'),
  TOKEN_CERTS_URL: httpUrl.default(
    'https://www.googleapis.com/oauth2/v1/certs',
  ),
};

type CommonVars = z.infer<z.ZodObject<typeof common>>;
type InboundVars = z.infer<z.ZodObject<typeof inbound>>;

function baseOf(vars: CommonVars): BaseConfig {
  return {
    projectId: vars.GOOGLE_CLOUD_PROJECT,
    authMode: vars.AUTH_MODE,
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

/** The rules that span variables, reported like any other bad variable. */
function checkCommon(vars: CommonVars, ctx: z.RefinementCtx): void {
  if (vars.AUTH_MODE === 'off' && vars.K_SERVICE !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['AUTH_MODE'],
      message: '"off" is for local benchmarks and is refused on Cloud Run',
    });
  }
}

function checkInbound(
  vars: CommonVars & InboundVars,
  ctx: z.RefinementCtx,
): void {
  checkCommon(vars, ctx);
  if (vars.AUTH_MODE === 'off') return;
  if (vars.SELF_URL === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['SELF_URL'],
      message: "is required (this function's URL, the token audience)",
    });
  if (vars.ALLOWED_CALLERS === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['ALLOWED_CALLERS'],
      message: 'is required (service account emails allowed to call)',
    });
}

/**
 * The inbound check. Once checkInbound has passed, the audience and the
 * allowlist are missing only when auth is off.
 */
function authOf(vars: CommonVars & InboundVars): AuthConfig | undefined {
  if (
    vars.AUTH_MODE === 'off' ||
    vars.SELF_URL === undefined ||
    vars.ALLOWED_CALLERS === undefined
  )
    return undefined;
  return {
    mode: vars.AUTH_MODE,
    audience: vars.SELF_URL,
    allowedCallers: vars.ALLOWED_CALLERS,
    issuer: vars.TOKEN_ISSUER,
    certsUrl: vars.TOKEN_CERTS_URL,
  };
}

const schemas: {[S in ServiceName]: z.ZodType<ConfigOf<S>>} = {
  gateway: z
    .object({...common, USER_URL: httpUrl, ORDER_URL: httpUrl})
    .superRefine(checkCommon)
    .transform(vars => ({
      service: 'gateway' as const,
      ...baseOf(vars),
      userUrl: vars.USER_URL,
      orderUrl: vars.ORDER_URL,
    })),
  user: z
    .object({...common, ...inbound, ORDER_URL: httpUrl})
    .superRefine(checkInbound)
    .transform(vars => ({
      service: 'user' as const,
      ...baseOf(vars),
      auth: authOf(vars),
      orderUrl: vars.ORDER_URL,
    })),
  order: z
    .object({...common, ...inbound})
    .superRefine(checkInbound)
    .transform(vars => ({
      service: 'order' as const,
      ...baseOf(vars),
      auth: authOf(vars),
    })),
};

/**
 * Parses and validates the configuration of one function.
 * @throws ConfigError naming every missing or malformed variable.
 */
export function parseConfig<S extends ServiceName>(
  service: S,
  env: NodeJS.ProcessEnv = process.env,
): ConfigOf<S> {
  const result = (schemas[service] as z.ZodType<ConfigOf<S>>).safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map(i => `${i.path.join('.')}: ${i.message}`),
    );
  }
  return result.data;
}
