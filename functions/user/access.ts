/** Who may call each route of the user function (see common/access.ts). */
import {ADMIN, OWN_ID, PUBLIC, type AccessRules} from '../common/access';
import {OWN_PROFILE} from './contract';

export const ACCESS: AccessRules = {
  'GET /': PUBLIC,
  'GET /users': ADMIN,
  'POST /users': OWN_PROFILE,
  'GET /users/:id': OWN_ID,
  'DELETE /users/:id': ADMIN,
  'GET /users/:id/orders': OWN_ID,
};
