/** The internal user function: users in Firestore, orders through the order function. */
import {
  clientFor,
  defineFunction,
  ownStore,
  perRequest,
} from '../common/setup/wiring';
import {Users} from './domain';
import {userRoutes} from './routes';
import type * as Store from './store';

export const create = defineFunction('user', (config, wiring) => {
  const store = ownStore(config, db => {
    const {FirestoreUserStore} = require('./store') as typeof Store;
    return new FirestoreUserStore(db);
  });
  return userRoutes({
    users: perRequest(store, 'users', s => new Users(s)),
    orders: clientFor(config, wiring, 'order'),
  });
});
