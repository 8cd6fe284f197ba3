/** What the gateway's routes call: the user and order functions. */
import type {ServiceCaller} from '../common/calls/service-client';

export interface GatewayRouteDeps {
  users: ServiceCaller;
  orders: ServiceCaller;
}
