/** The internal order function: orders in Firestore. */
import type {HttpFunction} from '@google-cloud/functions-framework';
import {parseConfig, type Config} from '../common/config';
import {createFirestore} from '../common/firestore';
import {httpFunctionFor, wiringFor, type Wiring} from '../common/wiring';
import {orderRoutes} from './routes';
import {FirestoreOrderStore} from './store';

export function createOrder(
  config: Config = parseConfig('order'),
  overrides: Partial<Wiring> = {},
): HttpFunction {
  return httpFunctionFor(
    config,
    wiringFor(config, overrides),
    orderRoutes({
      orders: new FirestoreOrderStore(createFirestore(config.projectId)),
    }),
  );
}
