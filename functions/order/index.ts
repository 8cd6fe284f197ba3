/** The internal order function: orders in Firestore. */
import type {HttpFunction} from '@google-cloud/functions-framework';
import {parseConfig, type Config} from '../common/config';
import {createFirestore} from '../common/firestore';
import {httpFunctionFor, wiringFor} from '../common/wiring';
import {orderRoutes} from './routes';
import {FirestoreOrderStore} from './store';

export function createOrder(
  config: Config = parseConfig('order'),
): HttpFunction {
  return httpFunctionFor(
    config,
    wiringFor(config),
    orderRoutes({
      orders: new FirestoreOrderStore(createFirestore(config.projectId)),
    }),
  );
}
