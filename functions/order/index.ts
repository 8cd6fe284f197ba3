/** The internal order function: orders in Firestore. */
import {defineFunction, ownStore, perRequest} from '../common/wiring';
import {CREATE_QUEUE, Orders} from './domain';
import {KeyedQueue} from './queue';
import {orderRoutes} from './routes';
import {orderLimits} from './settings';
import type * as Store from './store';

export const create = defineFunction('order', config => {
  const store = ownStore(config, db => {
    const {FirestoreOrderStore} = require('./store') as typeof Store;
    return new FirestoreOrderStore(db);
  });
  const limits = orderLimits(config);
  // The instance's one queue of creates: every request's use cases share it.
  const creates = new KeyedQueue(CREATE_QUEUE);
  return orderRoutes({
    orders: perRequest(
      store,
      'orders',
      s => new Orders(s, limits, undefined, creates),
    ),
  });
});
