/**
 * Benchmark only: the three functions calling each other the way the
 * original demo does: a new ID token fetched from the metadata server for
 * every call, and a new connection for every call. Same routes, same config, only the client
 * differs, so the benchmark shows what token caching and keep-alive buy.
 * Started with `functions-framework --source=build/bench/naive-functions.js`;
 * its functions load eagerly (all three modules), which is fine for a
 * benchmark of steady-state throughput.
 */
import {Compute} from 'google-auth-library';
import * as http from 'node:http';
import * as https from 'node:https';
import type {IdTokenSource} from '../functions/common/calls/id-tokens';
import {installFrameworkPatches} from '../functions/common/http/framework';
import {installFrameworkFastPath} from '../functions/common/tuning/framework-fast-path';
import {installHttpCalls} from '../functions/common/tuning/http-calls';
import {installFirestoreRestFirst} from '../functions/common/tuning/firestore-rest-first';
import {registerFunctions} from '../functions/common/setup/entry-points';
import type {Wiring} from '../functions/common/setup/wiring';
import {create as createGateway} from '../functions/gateway/index';
import {create as createOrder} from '../functions/order/index';
import {create as createUser} from '../functions/user/index';

/** Asks the metadata server for a new token on every call: no cache. */
class FreshIdTokenSource implements IdTokenSource {
  private readonly compute = new Compute();
  async authorization(audience: string): Promise<string> {
    return `Bearer ${await this.compute.fetchIdToken(audience)}`;
  }
}

const noKeepAlive = {
  http: new http.Agent({keepAlive: false}),
  https: new https.Agent({keepAlive: false}),
};

const naive: Partial<Wiring> = {
  tokens: new FreshIdTokenSource(),
  agent: url =>
    url.protocol === 'https:' ? noKeepAlive.https : noKeepAlive.http,
};

installFrameworkPatches();
installFrameworkFastPath();
installHttpCalls();
installFirestoreRestFirst();

registerFunctions(
  {
    gateway: () => ({create: createGateway}),
    user: () => ({create: createUser}),
    order: () => ({create: createOrder}),
  },
  {overrides: naive},
);
