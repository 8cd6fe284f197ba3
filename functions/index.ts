/**
 * The entry point the Functions Framework loads (package.json "main").
 * `functions-framework --target=gateway` (or user, order) reads one export.
 *
 * The exports are getters, so only the target's module is loaded and
 * configured: the gateway never loads Firestore, and each function reads its
 * configuration once, at start, failing there if it is wrong.
 */
import {lazyFunction} from './common/lazy';

Object.defineProperties(exports, {
  gateway: lazyFunction(() => require('./gateway/index').createGateway()),
  user: lazyFunction(() => require('./user/index').createUser()),
  order: lazyFunction(() => require('./order/index').createOrder()),
});
