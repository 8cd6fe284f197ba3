/**
 * How the local Cloud Run front end passes a request it has checked on to
 * the function behind it, and the function's answer back: the request's
 * path, the headers meant for one connection left out, and what the caller
 * gets when the function is down or breaks off.
 */
import {
  request,
  type Agent,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import {sendGooglePage} from './google-pages';

/** How long the rest of a body answered before its end is read and dropped. */
const LINGER_MS = 5000;

// Meant for one connection only; never passed on.
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
];

/** The path and query of an origin-form or absolute-form request target. */
export function pathOf(target: string): string {
  if (target.startsWith('/')) return target;
  try {
    const url = new URL(target);
    return url.pathname + url.search;
  } catch {
    return '/';
  }
}

/** A copy of `headers` without those meant for one connection only. */
export function forwardedHeaders(
  headers: IncomingHttpHeaders,
): IncomingHttpHeaders {
  const copy = {...headers};
  for (const name of HOP_BY_HOP) delete copy[name];
  return copy;
}

/**
 * Sends `req` to the function at `functionUrl` with `path` and `headers`,
 * over `agent`'s connections, and pipes its answer into `res`.
 */
export function forward(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  headers: IncomingHttpHeaders,
  functionUrl: URL,
  agent: Agent,
): void {
  const upstream = request(
    {
      host: functionUrl.hostname,
      port: functionUrl.port,
      method: req.method,
      path,
      headers,
      agent,
    },
    answer => {
      res.writeHead(answer.statusCode ?? 502, forwardedHeaders(answer.headers));
      answer.pipe(res);
      // The function crashed mid-answer: the client's connection breaks.
      answer.on('error', () => res.destroy());
    },
  );
  // The rest of a body the function answered before reading (a 413) is
  // read and dropped here, not forwarded: a request to the function
  // whose answer has ended waits for a 'drain' that never comes, the pipe
  // stalls, and the client's connection, idle to Node once answered, is
  // closed under the upload five seconds later (a reset that can take
  // the answer with it).
  const dropRest = () => {
    req.unpipe(upstream);
    req.resume();
  };
  res.on('finish', () => {
    if (req.complete) return;
    dropRest();
    upstream.destroy();
    // Read and dropped for a while, as the function itself does, not for
    // good: a body that never ends does not keep its connection.
    const timer = setTimeout(() => {
      if (!req.complete) req.socket.destroy();
    }, LINGER_MS).unref();
    req.once('end', () => clearTimeout(timer));
  });
  upstream.on('error', () => {
    // Once the function's answer has begun, how the answer ends decides:
    // a function that answers before reading the whole body may close
    // while the body is still being sent, and its answer stands.
    dropRest();
    if (res.headersSent) return;
    // The function is down, or closed without answering: Cloud Run answers 503.
    sendGooglePage(res, 503, path);
  });
  req.pipe(upstream);
}
