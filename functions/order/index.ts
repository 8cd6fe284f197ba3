/** The internal order function: orders in Firestore. */
import {databaseOf} from '../common/config';
import type * as FirestoreModule from '../common/firestore';
import {onFirstUse} from '../common/lazy';
import {defineFunction, perRequest} from '../common/wiring';
import {ACCESS} from './access';
import {Orders} from './domain';
import {orderRoutes} from './routes';
import type * as Store from './store';

export const create = defineFunction(
  'order',
  config => {
    // Its own database only; read at start, so a wrong entry fails there.
    const database = databaseOf(config);
    // Loaded by the first request that reads or writes: the Firestore client
    // is most of what a start costs, and the health check needs none of it.
    const store = onFirstUse(() => {
      const {createFirestore} =
        require('../common/firestore') as typeof FirestoreModule;
      const {FirestoreOrderStore} = require('./store') as typeof Store;
      return new FirestoreOrderStore(
        createFirestore(config.projectId, database),
      );
    });
    return orderRoutes({
      orders: perRequest(store, 'orders', s => new Orders(s)),
    });
  },
  ACCESS,
);
