/**
 * The entry point the Functions Framework loads (package.json "main").
 * `functions-framework --target=gateway` (or user, order) reads one export.
 *
 * The exports are getters, so only the target's module is loaded and
 * configured: the gateway never loads Firestore, and each function reads its
 * configuration once, at start, failing there if it is wrong. The modules
 * are required on first access; their types are imported (and erased) so a
 * renamed factory fails to compile.
 */
import {lazyFunction} from './common/lazy';
import type * as Gateway from './gateway/index';
import type * as Order from './order/index';
import type * as User from './user/index';

Object.defineProperties(exports, {
  gateway: lazyFunction(() =>
    (require('./gateway/index') as typeof Gateway).createGateway(),
  ),
  user: lazyFunction(() =>
    (require('./user/index') as typeof User).createUser(),
  ),
  order: lazyFunction(() =>
    (require('./order/index') as typeof Order).createOrder(),
  ),
});
