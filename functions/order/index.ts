/** The internal order function: orders in Firestore. */
import {createFirestore} from '../common/firestore';
import {tracedStore} from '../common/trace';
import {defineFunction} from '../common/wiring';
import {Orders} from './domain';
import {orderRoutes} from './routes';
import {FirestoreOrderStore} from './store';

export const createOrder = defineFunction('order', config => {
  const store = new FirestoreOrderStore(createFirestore(config.projectId));
  return orderRoutes({
    orders: request => new Orders(tracedStore(store, 'orders', request)),
  });
});
