/** The internal order function: orders in Firestore. */
import {createFirestore} from '../common/firestore';
import {tracedStore} from '../common/trace';
import {defineFunction} from '../common/wiring';
import {Orders} from './domain';
import {orderRoutes} from './routes';
import {FirestoreOrderStore} from './store';

export const createOrder = defineFunction('order', config =>
  orderRoutes({
    orders: new Orders(
      tracedStore(
        new FirestoreOrderStore(createFirestore(config.projectId)),
        'orders',
      ),
    ),
  }),
);
