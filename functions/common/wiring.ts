/**
 * Builds a function's collaborators from its configuration: the production
 * defaults that tests replace by passing their own.
 */
import type {HttpFunction} from '@google-cloud/functions-framework';
import type {Agent} from 'node:http';
import {ACCESS_RULES, type Rule} from './access';
import {EndUserVerifier} from './auth/end-user';
import {MetadataIdTokenSource, type IdTokenSource} from './auth/id-tokens';
import {TokenVerifier} from './auth/verifier';
import {
  parseConfig,
  type AuthConfig,
  type Config,
  type ConfigOf,
  type ServiceName,
} from './config';
import {connectorAgent} from './egress';
import {
  createHttpFunction,
  type Authenticate,
  type AuthenticateEndUser,
} from './http-function';
import {JsonLogger, type Logger} from './logger';
import {reportEndsTo} from './lifecycle';
import type {Route} from './router';
import {ServiceClient} from './service-client';

export interface Wiring {
  logger: Logger;
  /** Undefined when authentication is off. */
  tokens?: IdTokenSource;
  /** Connection agents for outgoing calls; keep-alive by default. */
  agent?: (url: URL) => Agent;
}

/**
 * The logger and outgoing identity of a function. `overrides` replaces any
 * of them (the benchmark's naive client does).
 */
export function wiringFor(
  config: Config,
  overrides: Partial<Wiring> = {},
): Wiring {
  return {
    logger: new JsonLogger(config.service, config.logLevel),
    tokens: config.authMode === 'off' ? undefined : new MetadataIdTokenSource(),
    agent:
      config.egressProxy === undefined
        ? undefined
        : connectorAgent(new URL(config.egressProxy)),
    ...overrides,
  };
}

/** A client for calls from this function to `service` at `baseUrl`. */
export function clientFor(
  config: Config,
  wiring: Wiring,
  service: string,
  baseUrl: string,
): ServiceClient {
  return new ServiceClient({
    service,
    baseUrl,
    tokens: wiring.tokens,
    agent: wiring.agent,
    timeoutMs: config.downstreamTimeoutMs,
    retries: config.downstreamRetries,
  });
}

/** How incoming tokens are checked, or undefined where they are not (gateway, auth off). */
function inboundAuthOf(config: Config): AuthConfig | undefined {
  return config.service === 'gateway' ? undefined : config.auth;
}

/** The check of incoming tokens, or undefined where there is none (gateway, auth off). */
export function authenticatorFor(config: Config): Authenticate | undefined {
  const auth = inboundAuthOf(config);
  if (auth === undefined) return undefined;
  const verifier = new TokenVerifier(auth);
  return authorization => verifier.authenticate(authorization);
}

/** The check of end users' tokens, or "off" (END_USER_AUTH=off). */
function endUserCheckFor(config: Config): AuthenticateEndUser | 'off' {
  if (config.endUsers === undefined) return 'off';
  const verifier = new EndUserVerifier(config.endUsers);
  return authorization => verifier.authenticate(authorization);
}

/**
 * The HTTP function serving `routes` with this configuration, under the
 * access rules of its service (or `access`, for a function of the tests).
 */
export function httpFunctionFor(
  config: Config,
  wiring: Wiring,
  routes: Route[],
  access: Record<string, Rule> = ACCESS_RULES[config.service],
): HttpFunction {
  reportEndsTo(wiring.logger);
  return createHttpFunction({
    service: config.service,
    projectId: config.projectId,
    requestTimeoutMs: config.requestTimeoutMs,
    logger: wiring.logger,
    routes,
    authenticate: authenticatorFor(config),
    authCheck: inboundAuthOf(config)?.mode,
    access,
    endUsers: endUserCheckFor(config),
    recordSpans: config.logLevel !== 'silent',
  });
}

/** Builds one function: from its configuration (read from the environment
 * unless given) and its collaborators (production defaults unless
 * overridden), to the HTTP function serving its routes. */
export type FunctionFactory<S extends ServiceName> = (
  config?: ConfigOf<S>,
  overrides?: Partial<Wiring>,
) => HttpFunction;

/**
 * The factory of the `service` function whose routes `routesFor` builds:
 * parse the configuration, wire the collaborators, serve the routes, the
 * same steps for every function.
 */
export function defineFunction<S extends ServiceName>(
  service: S,
  routesFor: (config: ConfigOf<S>, wiring: Wiring) => Route[],
  access: Record<string, Rule> = ACCESS_RULES[service],
): FunctionFactory<S> {
  return (config = parseConfig(service), overrides = {}) => {
    const wiring = wiringFor(config, overrides);
    return httpFunctionFor(config, wiring, routesFor(config, wiring), access);
  };
}
