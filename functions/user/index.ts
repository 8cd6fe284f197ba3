/** The internal user function: users in Firestore, orders through the order function. */
import {databaseOf} from '../common/config';
import type * as FirestoreModule from '../common/firestore';
import {onFirstUse} from '../common/lazy';
import {clientFor, defineFunction, perRequest} from '../common/wiring';
import {ACCESS} from './access';
import {Users} from './domain';
import {userRoutes} from './routes';
import type * as Store from './store';

export const create = defineFunction(
  'user',
  (config, wiring) => {
    // Its own database only; read at start, so a wrong entry fails there.
    const database = databaseOf(config);
    // Loaded by the first request that reads or writes: the Firestore client
    // is most of what a start costs, and the health check needs none of it.
    const store = onFirstUse(() => {
      const {createFirestore} =
        require('../common/firestore') as typeof FirestoreModule;
      const {FirestoreUserStore} = require('./store') as typeof Store;
      return new FirestoreUserStore(
        createFirestore(config.projectId, database),
      );
    });
    return userRoutes({
      users: perRequest(store, 'users', s => new Users(s)),
      orders: clientFor(config, wiring, 'order'),
    });
  },
  ACCESS,
);
