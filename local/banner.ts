/**
 * The commands `npm start` prints under "Try:" for the stack it started:
 * the routes as Bob and Alice, and the refusals a client outside and a
 * caller inside the VPC meet. test/e2e/doc-examples.test.ts runs them
 * against a stack, each checked against the status its comment names.
 */
import type {StackMode} from './functions';
import type {StackInfo} from './stack-info';

export function tryCommands(
  info: StackInfo,
  mode: StackMode,
  endUsersOn: boolean,
): string {
  const gw = `http://localhost:${new URL(info.urls.gateway).port}`;
  // With end-user checks on, every curl but the health check carries a token.
  const as = (variable: string) =>
    endUsersOn ? ` -H "Authorization: Bearer $${variable}"` : '';
  // A token as the gateway's account, from its metadata server, as on Google Cloud.
  const tokenCommand = `SA=$(curl -s -H 'Metadata-Flavor: Google' 'http://${info.identity.gateway}/computeMetadata/v1/instance/service-accounts/default/identity?audience=${info.urls.user}')`;
  const asGateway = '-H "X-Serverless-Authorization: Bearer $SA"';
  const inside = endUsersOn
    ? `  curl -i -x http://${info.connector} ${info.urls.user}/users ${asGateway}   # 401: the gateway's token alone reads no one's data
  curl -x http://${info.connector} ${info.urls.user}/users ${asGateway}${as('ADMIN')}   # 200, as the gateway for Alice`
    : `  curl -x http://${info.connector} ${info.urls.user}/users ${asGateway}   # 200, as the gateway`;
  const outside =
    mode === 'cloud'
      ? `  curl -i ${info.urls.user}/users               # 404: user's ingress is internal-only

From inside the VPC, through the local connector (${info.connector}):
  curl -i -x http://${info.connector} ${info.urls.user}/users   # 403: no token
  ${tokenCommand}
${inside}`
      : `  curl -i ${info.urls.user}/users               # 401: the user function wants a token`;
  const tryLines = endUsersOn
    ? `  curl${as('TOKEN')} ${gw}/api/user-orders/user-002          # mesh: gateway -> user -> order
  curl${as('TOKEN')} ${gw}/api/user-orders-direct/user-002   # direct: gateway -> user + order
  curl${as('TOKEN')} ${gw}/api/orders                        # Bob's orders only
  curl -X POST ${gw}/api/orders${as('TOKEN')} -H 'Content-Type: application/json' \\
       -d '{"items":[{"product":"Cable","quantity":3,"price":4.99}]}'
  curl -i${as('TOKEN')} ${gw}/api/users/user-001             # 404: Alice's profile is not Bob's
  curl${as('ADMIN')} ${gw}/api/aggregate                     # admins only
  curl -i ${gw}/api/orders                                  # 401: no token`
    : `  curl ${gw}/api/user-orders/user-001          # mesh: gateway -> user -> order
  curl ${gw}/api/user-orders-direct/user-001   # direct: gateway -> user + order
  curl ${gw}/api/aggregate
  curl -X POST ${gw}/api/orders -H 'Content-Type: application/json' \\
       -d '{"userId":"user-002","items":[{"product":"Cable","quantity":3,"price":4.99}]}'`;
  return `${tryLines}\n${outside}`;
}
