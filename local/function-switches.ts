/**
 * What only the local stack, its tests and the benchmark switch in a
 * function (variables.ts LOCAL_SWITCHES), read from the environment the
 * stack starts it with (functions.ts functionEnv) by their entry point
 * (function-entry.cts), and what each becomes: a collaborator passed in
 * through the wiring, or a setting of the framework or the entry. A
 * deployed function reads none of them.
 */
import {z} from 'zod';
import {connectorAgent} from '../functions/common/calls/egress';
import {
  ConfigError,
  LOCAL_SWITCHES,
  httpUrl,
  parseVariables,
} from '../functions/common/platform/variables';
import type {Wiring} from '../functions/common/setup/wiring';

export interface LocalSwitches {
  /**
   * Whether calls to other functions carry an ID token (CALL_TOKENS=off:
   * the benchmark's auth-off, where no function checks its callers).
   */
  callTokens: boolean;
  /**
   * The VPC connector's stand-in, an HTTP proxy that calls to other
   * functions go through (EGRESS_PROXY, cloud mode), as
   * `--egress-settings=all` sends them through the Serverless VPC Access
   * connector on Google Cloud, where the network does it.
   */
  egressProxy?: string;
  /**
   * The Functions Framework as it ships, with its per-request `domain`
   * (FRAMEWORK_DOMAIN=on: the benchmark's baseline; framework.ts).
   */
  frameworkDomain: boolean;
  /** Another copy of topology.json (TOPOLOGY_FILE: the tests'). */
  topologyFile?: string;
}

const switches = z
  .object({
    CALL_TOKENS: z.enum(['on', 'off']).default('on'),
    EGRESS_PROXY: httpUrl.optional(),
    FRAMEWORK_DOMAIN: z.enum(['on', 'off']).default('off'),
    TOPOLOGY_FILE: z.string().min(1).optional(),
  })
  .transform((v): LocalSwitches => ({
    callTokens: v.CALL_TOKENS === 'on',
    egressProxy: v.EGRESS_PROXY,
    frameworkDomain: v.FRAMEWORK_DOMAIN === 'on',
    topologyFile: v.TOPOLOGY_FILE,
  }));

/**
 * The switches `env` sets, and `env` without them: what the function's
 * configuration is read from, as a deployed function's is.
 * @throws ConfigError naming a malformed switch, or K_SERVICE: the local
 *   stack's entry point never runs on Cloud Run.
 */
export function takeLocalSwitches(env: Readonly<NodeJS.ProcessEnv>): {
  switches: LocalSwitches;
  env: NodeJS.ProcessEnv;
} {
  // Set by Cloud Run on every instance.
  if (env.K_SERVICE !== undefined)
    throw new ConfigError([
      "K_SERVICE: is set, so this is Cloud Run, where the local stack's entry point never runs",
    ]);
  const parsed = parseVariables(switches, env);
  const rest = {...env};
  for (const name of LOCAL_SWITCHES) delete rest[name];
  return {switches: parsed, env: rest};
}

/** The collaborators the switches replace, for every function's wiring. */
export function wiringOf(s: LocalSwitches): Partial<Wiring> {
  return {
    ...(!s.callTokens && {tokens: undefined}),
    ...(s.egressProxy !== undefined && {
      agent: connectorAgent(new URL(s.egressProxy)),
    }),
  };
}
