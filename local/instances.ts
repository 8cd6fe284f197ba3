/**
 * The functions' instances in the local stack, kept as Cloud Run keeps
 * them: each started function's process is watched for its memory limit and
 * replaced when it exits; a function left to be run by hand is waited for.
 * The stack writes what it sees of each in that function's own log.
 */
import type {ChildProcess} from 'node:child_process';
import type {TraceStore} from './console/traces';
import {handRunCommand} from './env';
import {
  functionEnv,
  spawnFunction,
  type SpawnOptions,
  type FunctionOptions,
  type StackLayout,
} from './functions';
import {logSink, pipeLogs, type LogSink, type LogTarget} from './logs';
import {memoryBytes, memoryExceededMessage, watchMemory} from './memory';
import {accepts, stopGroup} from './processes';

export interface InstancesSetting {
  /** What the functions' environments are made from. */
  layout: StackLayout;
  /** Where each function's own process listens. */
  listens: Record<string, string>;
  /** How the stack starts them. */
  options: FunctionOptions & SpawnOptions;
  logs: LogTarget;
  /** The console's store, when it runs: an instance's failure is a notice there. */
  traces?: TraceStore;
}

export interface Instances {
  /** Each started function's current instance. */
  children: Record<string, ChildProcess>;
  /** Starts a function's first instance; any that exits is replaced. */
  start(name: string): void;
  /** Stops a function's instance, and replaces it no more. */
  stop(name: string): Promise<void>;
}

/**
 * How the stack writes, in a function's log, what it saw of that function;
 * what went wrong with an instance is also a notice in the console.
 */
function sayOf(sink: LogSink, name: string, traces?: TraceStore) {
  return (message: string, severity = 'NOTICE') => {
    sink.write(
      JSON.stringify({severity, message, service: name, component: 'stack'}),
    );
    if (severity === 'ERROR')
      traces?.notice({
        time: new Date().toISOString(),
        service: name,
        severity,
        message,
      });
  };
}

export function functionInstances(setting: InstancesSetting): Instances {
  const {layout, listens, options, traces} = setting;
  const {topology} = layout;
  const children: Record<string, ChildProcess> = {};
  // Stopped on purpose (stop, stopFunction): not replaced.
  const stopped = new Set<string>();
  const start = (name: string) => {
    const {memory} = topology.get(name).resources;
    const child = spawnFunction(
      topology.get(name).entryPoint,
      Number(new URL(listens[name]).port),
      functionEnv(name, layout, options),
      {...options, memory},
    );
    const sink = pipeLogs(name, child, setting.logs);
    children[name] = child;
    const startedAt = Date.now();
    // Over its memory limit, an instance is ended as Cloud Run ends it,
    // with Cloud Run's line in its log; it is then replaced like any
    // other instance that exits.
    const limit = memoryBytes(memory);
    const unwatch = watchMemory(child.pid!, limit, used => {
      sayOf(sink, name, traces)(memoryExceededMessage(limit, used), 'ERROR');
      child.kill('SIGKILL');
    });
    // An instance that exits is replaced, as Cloud Run starts a new one:
    // a function ends itself after an uncaught exception (lifecycle.ts).
    // One that dies young waits a little, so a broken function does not
    // restart in a tight loop.
    child.once('exit', (code, signal) => {
      unwatch();
      if (stopped.has(name)) return;
      sayOf(
        sink,
        name,
        traces,
      )(
        `the ${name} function exited (${signal ?? `code ${code}`}); starting a new instance`,
        'ERROR',
      );
      const delay = Date.now() - startedAt < 2000 ? 2000 : 0;
      setTimeout(() => {
        if (!stopped.has(name)) start(name);
      }, delay).unref();
    });
  };
  const stop = async (name: string) => {
    stopped.add(name);
    await stopGroup(children[name]);
  };
  return {children, start, stop};
}

/**
 * A function left to be run by hand: says where it is awaited, and when it
 * answers or stops answering, as the stack would of its own. Returns what
 * stops the waiting.
 */
export function awaitHandRun(
  name: string,
  listens: string,
  logs: LogTarget,
  traces?: TraceStore,
): () => Promise<void> {
  const sink = logSink(name, logs);
  const say = sayOf(sink, name, traces);
  say(
    `waiting for the ${name} function on ${listens}: run it yourself: ${handRunCommand(name)}`,
  );
  // A connection, not a request: the function's own log stays its own.
  let up = false;
  const poll = setInterval(() => {
    void accepts(listens).then(listening => {
      if (listening && !up) say(`the ${name} function listens on ${listens}`);
      if (!listening && up)
        say(`the ${name} function stopped: waiting for it again`);
      up = listening;
    });
  }, 500);
  poll.unref();
  return async () => {
    clearInterval(poll);
    await sink.close();
  };
}
