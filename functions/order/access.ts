/** Who may call each route of the order function (see common/access.ts). */
import {ADMIN, OWN_ID, PUBLIC, type AccessRules} from '../common/access';
import {OWN_CANCEL, OWN_NEW_ORDERS, OWN_ORDER, OWN_ORDERS} from './contract';

export const ACCESS: AccessRules = {
  'GET /': PUBLIC,
  'GET /orders': OWN_ORDERS,
  'GET /orders/user/:userId': OWN_ID,
  'GET /orders/:id': OWN_ORDER,
  'POST /orders': OWN_NEW_ORDERS,
  'PATCH /orders/:id/status': OWN_CANCEL,
  'DELETE /orders/:id': ADMIN,
  'GET /stats': ADMIN,
};
