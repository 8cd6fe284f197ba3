/**
 * A `fetch` for calls between functions (gaxios's `fetchImplementation`,
 * its public way to choose one) and account lookups, for speed alone: a request
 * over node:http(s) through the agent the call names, its whole answer
 * read, and handed back as a standard `Response`. On Node gaxios otherwise
 * loads node-fetch, whose streams and per-request machinery cost each call
 * more CPU than node:http's own work does (bench/fetch-cost.ts measures
 * the three side by side: node-fetch, this, node:http alone).
 *
 * What it leaves out, on purpose: it follows no redirect (a callee's 3xx is
 * its answer, and the caller's token never goes to where it points), asks
 * for no compressed answer, and sends only what a call between functions
 * sends (no body, a string or bytes).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import {answerTooLarge, MAX_ANSWER_BYTES, useFetch} from '../platform/fetch';

type FetchInit = RequestInit & {
  /** gaxios passes on the call's `agent` (an Agent, or one per URL). */
  agent?: http.Agent | ((url: URL) => http.Agent);
};

/** An error with the code node:http gives a connection that broke. */
function brokenConnection(): Error {
  return Object.assign(
    new Error('The connection closed before the answer ended'),
    {
      code: 'ECONNRESET',
    },
  );
}

/** Statuses whose answer has no body, as `Response` requires. */
const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * A request over node:http(s), its whole answer (MAX_ANSWER_BYTES at most)
 * read and handed back as a standard `Response`.
 */
export function httpFetch(
  input: string | URL | Request,
  init: FetchInit = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    if (input instanceof Request) {
      reject(new TypeError('httpFetch takes a URL, not a Request'));
      return;
    }
    const {body} = init;
    if (
      body !== undefined &&
      body !== null &&
      typeof body !== 'string' &&
      !(body instanceof Uint8Array)
    ) {
      reject(new TypeError('httpFetch sends no body but a string or bytes'));
      return;
    }
    const url = new URL(input);
    const agent =
      typeof init.agent === 'function' ? init.agent(url) : init.agent;
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method: init.method ?? 'GET',
        headers: Object.fromEntries(new Headers(init.headers)),
        agent,
        signal: init.signal ?? undefined,
      },
      res => {
        res.on('error', reject);
        if (Number(res.headers['content-length']) > MAX_ANSWER_BYTES) {
          res.destroy(answerTooLarge());
          return;
        }
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes <= MAX_ANSWER_BYTES) chunks.push(chunk);
          else res.destroy(answerTooLarge());
        });
        res.on('close', () => {
          if (!res.complete) reject(brokenConnection());
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          try {
            const headers = new Headers();
            const raw = res.rawHeaders;
            for (let i = 0; i < raw.length; i += 2)
              headers.append(raw[i], raw[i + 1]);
            resolve(
              new Response(NO_BODY.has(status) ? null : Buffer.concat(chunks), {
                status,
                statusText: res.statusMessage,
                headers,
              }),
            );
          } catch (e: unknown) {
            // A status outside 200-599, or a header `Headers` refuses: not
            // an answer a callee gives.
            reject(e);
          }
        });
      },
    );
    request.on('error', reject);
    request.end(body ?? undefined);
  });
}

/**
 * The tuning line (functions/index.cts, local/function-entry.cts): calls
 * between functions and account lookups made with httpFetch rather than
 * the libraries' own fetch. Before the entry builds its functions.
 */
export function installHttpFetch(): void {
  useFetch(httpFetch);
}
