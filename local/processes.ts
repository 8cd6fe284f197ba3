/**
 * Small helpers for the local stack's child processes and ports.
 */
import {spawn, type ChildProcess, type SpawnOptions} from 'node:child_process';
import type {Server} from 'node:http';
import {connect, createServer, type Server as NetServer} from 'node:net';

/**
 * Ports freePort has handed out in this process. A port is free only until
 * the process it was picked for binds it, and that takes a while (a function
 * listens a few hundred ms after it is spawned): in between, the OS may hand
 * the same port to the next listener on port 0 (the identity server's, or
 * the next freePort), and the function then fails to start while its
 * readiness check is answered by the other server. So neither takes one
 * twice.
 */
const handedOut = new Set<number>();

/** A port that is free now and that this process has not handed out before. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  const port = await listenLocal(server, 0, host);
  await new Promise(resolve => server.close(resolve));
  handedOut.add(port);
  return port;
}

/**
 * Starts `server` on `port` (0: any free one that freePort has not handed
 * out) of `host`; resolves to the port it got.
 */
export async function listenLocal(
  server: NetServer,
  port: number,
  host = '127.0.0.1',
): Promise<number> {
  for (;;) {
    const got = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () =>
        resolve((server.address() as {port: number}).port),
      );
    });
    if (port !== 0 || !handedOut.has(got)) return got;
    await new Promise(resolve => server.close(resolve));
  }
}

/**
 * Runs `listen` on a fixed port after checking it is free (a taken one fails
 * with a message naming `variable`, the setting that moves it), or on any
 * free port for 0.
 */
export async function listenOn<T>(
  port: number,
  variable: string,
  listen: (port: number) => Promise<T>,
): Promise<T> {
  if (port !== 0) await assertPortFree(port, `Set ${variable} to use another.`);
  return listen(port);
}

/** Rejects with a clear message when `port` is already taken. */
export function assertPortFree(
  port: number,
  hint: string,
  host = '127.0.0.1',
): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', () =>
      reject(new Error(`Port ${port} is already in use. ${hint}`)),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/** Closes `server`, ending its kept-alive connections instead of waiting for them. */
export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise(resolve => server.close(() => resolve()));
}

/** Polls `check` every `intervalMs` until it resolves true, or fails after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  child?: ChildProcess,
  intervalMs = 100,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child && child.exitCode !== null)
      throw new Error(
        `${what} exited with code ${child.exitCode} before it was ready`,
      );
    if (await check().catch(() => false)) return;
    await new Promise(r => setTimeout(r, intervalMs));
  }
  throw new Error(`${what} was not ready after ${timeoutMs / 1000} s`);
}

/**
 * Whether something accepts connections at `url`'s host and port: Cloud
 * Run's own startup check (a TCP probe), which sends no request, so the
 * function's log holds only requests someone made.
 */
export function accepts(url: string): Promise<boolean> {
  const {hostname, port} = new URL(url);
  return new Promise(resolve => {
    const socket = connect(Number(port), hostname);
    const seen = (listening: boolean) => {
      socket.destroy();
      resolve(listening);
    };
    socket.once('connect', () => seen(true));
    socket.once('error', () => seen(false));
  });
}

/** Spawns a child in its own process group, so that it and all it starts can be ended together. */
export function spawnGroup(
  command: string,
  args: string[],
  options: SpawnOptions,
): ChildProcess {
  return spawn(command, args, {...options, detached: true});
}

/** Ends a process group: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stopGroup(
  child: ChildProcess,
  graceMs = 5000,
): Promise<void> {
  if (
    child.pid === undefined ||
    child.exitCode !== null ||
    child.signalCode !== null
  ) {
    killGroup(child.pid, 'SIGKILL'); // children of an exited leader may remain
    return;
  }
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );
  killGroup(child.pid, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // The leader is gone; make sure nothing it started outlives it.
  killGroup(child.pid, 'SIGKILL');
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
