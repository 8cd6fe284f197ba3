/**
 * Calls between functions over node:http alone, for speed alone: the
 * service client's transport (calls/transport.ts) in place of gaxios. A
 * call through gaxios builds its request's `Headers`, a fetch `Response`
 * around the answer and a stream to read it back, then the answer's
 * `Headers`: under load that machinery costs each call more CPU than
 * node:http's own work does. Here the request goes out as node:http takes
 * it and the answer is read into one string.
 *
 * It keeps what the client relies on gaxios for: the answer read as text
 * whatever its status, no redirect followed (node:http follows none), at
 * most `maxContentLength` bytes read, and a call that always settles: with
 * the connection's error, an AbortError once the call's signal aborts, or
 * a broken connection when the request ends without an answer. Of the
 * request's gaxios options it reads `maxContentLength` alone.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type {
  AnswerHeaders,
  CallTransport,
  TransportAnswer,
  TransportRequest,
} from '../calls/transport';
import {useTransport} from '../calls/transport';
import {answerTooLarge} from '../platform/fetch';

/** An error with the code node:http gives a connection that broke. */
function brokenConnection(): Error {
  return Object.assign(
    new Error('The connection closed before the answer ended'),
    {code: 'ECONNRESET'},
  );
}

/** An answer's headers as node:http parsed them (names in lower case). */
function answerHeaders(headers: http.IncomingHttpHeaders): AnswerHeaders {
  const valueOf = (name: string) => {
    const key = name.toLowerCase();
    return Object.hasOwn(headers, key) ? headers[key] : undefined;
  };
  return {
    get: name => {
      const value = valueOf(name);
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
    has: name => valueOf(name) !== undefined,
  };
}

/** One request over node:http(s), its whole answer read as text. */
function request(options: TransportRequest): Promise<TransportAnswer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      reject(e);
    };
    const url = new URL(options.url);
    const limit = options.maxContentLength;
    const req = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method: options.method,
        headers: options.headers,
        agent: options.agent(url),
        signal: options.signal,
      },
      res => {
        res.on('error', fail);
        if (Number(res.headers['content-length']) > limit) {
          res.destroy(answerTooLarge());
          return;
        }
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes <= limit) chunks.push(chunk);
          else res.destroy(answerTooLarge());
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          resolve({
            status: res.statusCode ?? 0,
            data: Buffer.concat(chunks).toString('utf8'),
            headers: answerHeaders(res.headers),
          });
        });
      },
    );
    req.on('error', fail);
    // A request that closes unanswered, with no error of its own: a callee
    // that switched protocols (101), whose socket node:http then drops,
    // and which the signal can no longer abort.
    req.on('close', () => fail(brokenConnection()));
    req.end(options.data);
  });
}

/** The transport of calls between functions over node:http alone. */
export const httpCalls: CallTransport = {request};

/**
 * The tuning line (functions/index.cts, local/function-entry.cts): calls
 * between functions made by httpCalls rather than gaxios. Before the entry
 * builds its functions.
 */
export function installHttpCalls(): void {
  useTransport(httpCalls);
}
