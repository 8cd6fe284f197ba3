/**
 * Builds a function's collaborators from its configuration: the production
 * defaults that tests replace by passing their own.
 */
import type {Firestore} from '@google-cloud/firestore';
import type {HttpFunction} from '@google-cloud/functions-framework';
import type {Agent} from 'node:http';
import {accountsFor, type AccountSource} from '../identity/accounts';
import {EndUserVerifier} from '../identity/end-user';
import {googleApiHeaders, isGoogleApi} from '../identity/access-tokens';
import {MetadataIdTokenSource, type IdTokenSource} from '../calls/id-tokens';
import {TokenVerifier} from '../identity/verifier';
import {
  calleeUrl,
  databaseOf,
  isEntry,
  parseConfig,
  type Config,
} from '../platform/config';
import type {RequestContext} from '../http/context';
import type * as FirestoreModule from '../storage/firestore';
import {createHttpFunction, type Authenticate} from '../http/http-function';
import type {AuthenticateEndUser} from '../http/route-rules';
import {JsonLogger, type Logger} from '../telemetry/logger';
import {atShutdown, reportEndsTo} from '../http/lifecycle';
import type {Route} from '../http/router';
import {ServiceClient} from '../calls/service-client';
import {createTracing, tracedStore, type Tracing} from '../telemetry/tracing';

export interface Wiring {
  logger: Logger;
  /** The function's spans: recorded unless it logs nothing, exported where configured. */
  tracing: Tracing;
  /**
   * The ID tokens calls to other functions carry: the metadata server's,
   * for this function's account. None when given as undefined (the local
   * stack's CALL_TOKENS=off, the benchmark's auth-off).
   */
  tokens?: IdTokenSource;
  /**
   * Connection agents for outgoing calls: Node's, keep-alive, by default;
   * locally, the VPC connector's stand-in (egress.ts connectorAgent).
   */
  agent?: (url: URL) => Agent;
  /**
   * End users' accounts as they are now, for admin routes; undefined when
   * end-user checks are off.
   */
  accounts?: AccountSource;
}

/**
 * The tracing of a function, exporting to its endpoint (as its own service
 * account when that is Google's), its last spans sent at SIGTERM. Off with
 * LOG_LEVEL=silent, as the request line is. An export that fails is a
 * warning in `logger`'s lines (exportFailures).
 */
export function tracingFor(config: Config, logger: Logger): Tracing {
  const endpoint = config.tracesEndpoint;
  const tracing = createTracing({
    service: config.service,
    projectId: config.projectId,
    cloudRun: config.cloudRun,
    enabled: config.logLevel !== 'silent',
    entry: isEntry(config),
    ratio: config.traceRatio,
    endpoint,
    exportDelayMs: config.traceExportDelayMs,
    headers:
      endpoint !== undefined && isGoogleApi(endpoint)
        ? googleApiHeaders()
        : undefined,
    onExportFailure:
      endpoint === undefined ? undefined : exportFailures(logger, endpoint),
  });
  if (endpoint !== undefined) atShutdown(() => tracing.flush());
  return tracing;
}

/**
 * A warning for the first export that fails; the failures after it are
 * counted, and each `everyMs` that had any ends with one line saying how
 * many, with the last error's words: an endpoint that refuses every export
 * (a missing role, a wrong URL) shows in the logs without a line per
 * batch, and no failure goes uncounted because none followed it. The
 * error's words only, never the request that carried the spans.
 */
export function exportFailures(
  logger: Logger,
  endpoint: string,
  everyMs = 60_000,
): (error: Error | undefined) => void {
  let lastLine = -Infinity;
  let failed = 0;
  let lastError: Error | undefined;
  let pending: NodeJS.Timeout | undefined;
  const report = () => {
    pending = undefined;
    lastLine = Date.now();
    logger.log('WARNING', 'Spans could not be exported', {
      endpoint,
      failedExports: failed,
      ...(lastError && {error: lastError.message.slice(0, 500)}),
    });
    failed = 0;
    lastError = undefined;
  };
  return error => {
    failed++;
    lastError = error ?? lastError;
    const wait = lastLine + everyMs - Date.now();
    if (wait <= 0) report();
    // Unref'd: a pending count never keeps an instance alive.
    else pending ??= setTimeout(report, wait).unref();
  };
}

/**
 * The logger, tracing and outgoing identity of a function: production's,
 * but for what `overrides` gives, an undefined value included (tests, the
 * local stack's entry point and the benchmark's naive client do).
 */
export function wiringFor(
  config: Config,
  overrides: Partial<Wiring> = {},
): Wiring {
  const logger =
    overrides.logger ?? new JsonLogger(config.service, config.logLevel);
  return {
    logger,
    tracing: overrides.tracing ?? tracingFor(config, logger),
    tokens: new MetadataIdTokenSource(),
    accounts:
      config.endUsers === undefined
        ? undefined
        : accountsFor(config.endUsers.audience, config.env),
    ...overrides,
  };
}

/**
 * A client for calls from this function to `service`, at the URL its
 * configuration has for it.
 * @throws ConfigError when topology.json does not say this function calls it.
 */
export function clientFor(
  config: Config,
  wiring: Wiring,
  service: string,
): ServiceClient {
  return new ServiceClient({
    service,
    baseUrl: calleeUrl(config, service),
    tokens: wiring.tokens,
    agent: wiring.agent,
    timeoutMs: config.downstreamTimeoutMs,
    retries: config.downstreamRetries,
  });
}

/**
 * The store of a function that keeps data, over its own database (its
 * topology entry's, read now, so a wrong entry fails at start), built by
 * the first request that reads or writes: the Firestore client is most of
 * what a start costs, and the health check needs none of it. `open`
 * should require its store module itself, for the same reason. The store
 * is built over the client firestore.ts openStoreClient gives, again over
 * each other client it gives later (tuning/firestore-rest-first.ts, where
 * installed); each request keeps the store it began with.
 */
export function ownStore<S>(
  config: Config,
  open: (db: Firestore) => S,
): () => S {
  const database = databaseOf(config);
  let store: S | undefined;
  return () => {
    if (store === undefined) {
      const {openStoreClient} =
        require('../storage/firestore') as typeof FirestoreModule;
      openStoreClient(config.projectId, database, db => (store = open(db)));
    }
    return store!;
  };
}

/**
 * What a route uses to act for one request: `users(ctx).get(id)`, as it
 * calls another function with `orders.call(ctx, …)`.
 */
export type PerRequest<T> = (ctx: RequestContext) => T;

/**
 * Use cases acting for one request, built over the function's store
 * (`store()`, so it may be made on first use): each call to the store is
 * recorded as a Firestore span of that request ("users.get", see
 * tracing.ts), so neither routes nor use cases deal with spans.
 */
export function perRequest<S extends object, T>(
  store: () => S,
  label: string,
  build: (store: S) => T,
): PerRequest<T> {
  return ctx => build(tracedStore(store(), label, ctx));
}

/** The check of callers' tokens, or undefined where anyone may call. */
export function authenticatorFor(config: Config): Authenticate | undefined {
  if (config.auth === undefined) return undefined;
  const verifier = new TokenVerifier(config.auth);
  return authorization => verifier.authenticate(authorization);
}

/**
 * The check of end users' tokens, their accounts read from `accounts`
 * where a route asks, or "off" (END_USER_AUTH=off).
 */
function endUserCheckFor(
  config: Config,
  accounts: AccountSource | undefined,
): AuthenticateEndUser | 'off' {
  if (config.endUsers === undefined) return 'off';
  const verifier = new EndUserVerifier({...config.endUsers, accounts});
  return (authorization, checkRevoked) =>
    verifier.authenticate(authorization, checkRevoked);
}

/**
 * The HTTP function serving `routes` with this configuration, each under
 * the rule it carries.
 */
export function httpFunctionFor(
  config: Config,
  wiring: Wiring,
  routes: Route[],
): HttpFunction {
  reportEndsTo(wiring.logger);
  return createHttpFunction({
    service: config.service,
    projectId: config.projectId,
    requestTimeoutMs: config.requestTimeoutMs,
    logger: wiring.logger,
    routes,
    authenticate: authenticatorFor(config),
    authCheck: config.auth?.mode,
    entry: isEntry(config),
    endUsers: endUserCheckFor(config, wiring.accounts),
    tracer: wiring.tracing.tracer,
  });
}

/** Builds one function: from its configuration (read from the environment
 * unless given) and its collaborators (production defaults unless
 * overridden), to the HTTP function serving its routes. */
export type FunctionFactory = (
  config?: Config,
  overrides?: Partial<Wiring>,
) => HttpFunction;

/**
 * The factory of the `service` function (its name in topology.json) whose
 * routes, each with its rule, `routesFor` builds: parse the configuration,
 * wire the collaborators, serve the routes, the same steps for every
 * function. Each function's folder exports it as `create`.
 */
export function defineFunction(
  service: string,
  routesFor: (config: Config, wiring: Wiring) => Route[],
): FunctionFactory {
  return (config = parseConfig(service), overrides = {}) => {
    const wiring = wiringFor(config, overrides);
    return httpFunctionFor(config, wiring, routesFor(config, wiring));
  };
}
