/**
 * Benchmark only: the three functions, each able to turn its logging and
 * tracing on and off while it runs, so that what they cost is measured in
 * the same processes (same JIT, heap and connections), block after block.
 * Two stacks side by side, one with LOG_LEVEL=silent, differ by more than
 * 5 % on their own: each process settles differently, and more rounds do
 * not average that out.
 *
 * Each function is built three times by its own factory from one
 * configuration: as configured (its entry tracing the share of requests
 * OTEL_TRACES_SAMPLER_ARG gives, as deployed), with every request traced
 * (as locally), and with LOG_LEVEL=silent (no request lines, no spans).
 * Both share the outgoing identity and connections; each has its own
 * Firestore client, as the factory makes it. A request goes to the one
 * switched on. To switch, the benchmark writes "on" or "off" to the file
 * that TELEMETRY_SWITCH names (telemetry-switch.ts's states) and sends SIGUSR2 (SIGUSR1 is Node's
 * inspector); each process reads the file, switches, and acknowledges by
 * writing the state it now has to `<file>.<pid>`. It starts as LOG_LEVEL
 * says. Started with
 * `functions-framework --source=build/bench/switchable-functions.js`.
 */
import type {HttpFunction} from '@google-cloud/functions-framework';
import {readFileSync, writeFileSync} from 'node:fs';
import type {Config} from '../functions/common/platform/config';
import {installFrameworkPatches} from '../functions/common/http/framework';
import {installFrameworkFastPath} from '../functions/common/tuning/framework-fast-path';
import {installHttpCalls} from '../functions/common/tuning/http-calls';
import {installFirestoreRestFirst} from '../functions/common/tuning/firestore-rest-first';
import {registerFunctions} from '../functions/common/setup/entry-points';
import {
  wiringFor,
  type FunctionFactory,
} from '../functions/common/setup/wiring';
import {create as createGateway} from '../functions/gateway/index';
import {create as createOrder} from '../functions/order/index';
import {create as createUser} from '../functions/user/index';
import {ackFileOf, type TelemetryState} from './telemetry-switch';

function switchable(config: Config, create: FunctionFactory): HttpFunction {
  const on: Config = {
    ...config,
    logLevel: config.logLevel === 'silent' ? 'info' : config.logLevel,
  };
  // One identity and one set of connections for both; a logger each.
  const {tokens, agent} = wiringFor(on);
  const shared = {tokens, agent};
  const fns = {
    on: create(on, shared),
    traced: create({...on, traceRatio: 1}, shared),
    off: create({...config, logLevel: 'silent'}, shared),
  };
  let state: TelemetryState = config.logLevel === 'silent' ? 'off' : 'on';
  const file = process.env.TELEMETRY_SWITCH;
  if (file !== undefined)
    process.on('SIGUSR2', () => {
      const wanted = readFileSync(file, 'utf8').trim();
      if (wanted in fns) state = wanted as TelemetryState;
      writeFileSync(ackFileOf(file, process.pid), state);
    });
  return (req, res) => fns[state](req, res);
}

installFrameworkPatches();
installFrameworkFastPath();
installHttpCalls();
installFirestoreRestFirst();

const switchableOf = (create: FunctionFactory) => () => ({
  create: (config: Config) => switchable(config, create),
});
registerFunctions({
  gateway: switchableOf(createGateway),
  user: switchableOf(createUser),
  order: switchableOf(createOrder),
});
