/** The public gateway function: routes, wired to the user and order functions. */
import type {HttpFunction} from '@google-cloud/functions-framework';
import {parseConfig, type Config} from '../common/config';
import {
  clientFor,
  httpFunctionFor,
  wiringFor,
  type Wiring,
} from '../common/wiring';
import {gatewayRoutes} from './routes';

export function createGateway(
  config: Config = parseConfig('gateway'),
  overrides: Partial<Wiring> = {},
): HttpFunction {
  const wiring = wiringFor(config, overrides);
  return httpFunctionFor(
    config,
    wiring,
    gatewayRoutes({
      users: clientFor(config, wiring, 'user', config.userUrl!),
      orders: clientFor(config, wiring, 'order', config.orderUrl!),
    }),
  );
}
