/** The internal order function: orders in Firestore. */
import {createFirestore} from '../common/firestore';
import {defineFunction} from '../common/wiring';
import {Orders} from './domain';
import {orderRoutes} from './routes';
import {FirestoreOrderStore} from './store';

export const createOrder = defineFunction('order', config =>
  orderRoutes({
    orders: new Orders(
      new FirestoreOrderStore(createFirestore(config.projectId)),
    ),
  }),
);
