/** The internal user function: users in Firestore, orders through the order function. */
import {createFirestore} from '../common/firestore';
import {tracedStore} from '../common/trace';
import {clientFor, defineFunction} from '../common/wiring';
import {Users} from './domain';
import {userRoutes} from './routes';
import {FirestoreUserStore} from './store';

export const createUser = defineFunction('user', (config, wiring) =>
  userRoutes({
    users: new Users(
      tracedStore(
        new FirestoreUserStore(createFirestore(config.projectId)),
        'users',
      ),
    ),
    orders: clientFor(config, wiring, 'order', config.orderUrl),
  }),
);
