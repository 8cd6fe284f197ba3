/** The internal order function: orders in Firestore. */
import {defineFunction, ownStore, perRequest} from '../common/setup/wiring';
import {createBatches, Orders} from './domain';
import {orderRoutes} from './routes';
import {orderLimits} from './settings';
import type * as Store from './store';

export const create = defineFunction('order', config => {
  const store = ownStore(config, db => {
    const {FirestoreOrderStore} = require('./store') as typeof Store;
    return new FirestoreOrderStore(db);
  });
  const limits = orderLimits(config);
  // The instance's one place where creates gather: every request's use cases share it.
  const creates = createBatches();
  return orderRoutes({
    orders: perRequest(
      store,
      'orders',
      s => new Orders(s, limits, undefined, creates),
    ),
  });
});
