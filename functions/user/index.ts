/** The internal user function: users in Firestore, orders through the order function. */
import {createFirestore} from '../common/firestore';
import {tracedStore} from '../common/trace';
import {clientFor, defineFunction} from '../common/wiring';
import {Users} from './domain';
import {userRoutes} from './routes';
import {FirestoreUserStore} from './store';

export const createUser = defineFunction('user', (config, wiring) => {
  const store = new FirestoreUserStore(createFirestore(config.projectId));
  return userRoutes({
    users: request => new Users(tracedStore(store, 'users', request)),
    orders: clientFor(config, wiring, 'order', config.orderUrl),
  });
});
