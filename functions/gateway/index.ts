/** The public gateway function: routes, wired to the user and order functions. */
import {clientFor, defineFunction} from '../common/setup/wiring';
import {gatewayRoutes} from './routes';

export const create = defineFunction('gateway', (config, wiring) =>
  gatewayRoutes({
    users: clientFor(config, wiring, 'user'),
    orders: clientFor(config, wiring, 'order'),
  }),
);
