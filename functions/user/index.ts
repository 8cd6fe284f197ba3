/** The internal user function: users in Firestore, orders through the order function. */
import type {HttpFunction} from '@google-cloud/functions-framework';
import {parseConfig, type Config} from '../common/config';
import {createFirestore} from '../common/firestore';
import {
  clientFor,
  httpFunctionFor,
  wiringFor,
  type Wiring,
} from '../common/wiring';
import {userRoutes} from './routes';
import {FirestoreUserStore} from './store';

export function createUser(
  config: Config = parseConfig('user'),
  overrides: Partial<Wiring> = {},
): HttpFunction {
  const wiring = wiringFor(config, overrides);
  return httpFunctionFor(
    config,
    wiring,
    userRoutes({
      users: new FirestoreUserStore(createFirestore(config.projectId)),
      orders: clientFor(config, wiring, 'order', config.orderUrl!),
    }),
  );
}
