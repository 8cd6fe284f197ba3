/**
 * The order function's own settings, read from the environment its
 * configuration came from (topology.json's `env` sets them, for deploy.sh
 * and the local stack alike).
 */
import {z} from 'zod';
import type {Config} from '../common/platform/config';
import {parseVariables, positiveInt} from '../common/platform/variables';
import type {OrderLimits} from './domain';

const variables = z.object({
  // Open orders (pending or processing) one user may hold at once.
  MAX_OPEN_ORDERS: positiveInt(100),
});

/**
 * The order function's limits.
 * @throws ConfigError naming every malformed variable.
 */
export function orderLimits(config: Config): OrderLimits {
  const vars = parseVariables(variables, config.env);
  return {maxOpenOrders: vars.MAX_OPEN_ORDERS};
}
