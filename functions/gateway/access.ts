/** Who may call each route of the gateway (see common/access.ts). */
import {ADMIN, OWN_ID, PUBLIC, type AccessRules} from '../common/access';
import {
  OWN_CANCEL,
  OWN_NEW_ORDERS,
  OWN_ORDER,
  OWN_ORDERS,
} from '../order/contract';
import {OWN_PROFILE} from '../user/contract';

export const ACCESS: AccessRules = {
  'GET /': PUBLIC,
  'GET /api/users': ADMIN,
  'POST /api/users': OWN_PROFILE,
  'GET /api/users/:id': OWN_ID,
  'GET /api/orders': OWN_ORDERS,
  'GET /api/orders/:id': OWN_ORDER,
  'POST /api/orders': OWN_NEW_ORDERS,
  'PATCH /api/orders/:id/status': OWN_CANCEL,
  'GET /api/aggregate': ADMIN,
  'GET /api/user-orders/:userId': OWN_ID,
  'GET /api/user-orders-direct/:userId': OWN_ID,
};
