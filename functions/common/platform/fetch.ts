/**
 * The `fetch` outgoing HTTP calls are made with (calls between functions
 * through gaxios, service-client.ts; account lookups, accounts.ts), and the
 * most of one answer either may hold. By default the libraries' own: gaxios's
 * (node-fetch on Node) and Node's global `fetch`. An entry point may choose
 * another before it builds its functions (`useFetch`): the tuning line of
 * tuning/http-fetch.ts does, for speed alone (docs/tuning.md).
 */

/** A fetch of the standard one's shape, as gaxios and accounts.ts call it. */
export type Fetch = (
  input: string | URL | Request,
  init?: RequestInit,
) => Promise<Response>;

/**
 * The most of one answer held in memory: far more than any function
 * answers (lists come in pages), little enough that a function's every
 * request in flight holding one stays well within its memory. Whatever the
 * fetch, a larger answer is a failed call.
 */
export const MAX_ANSWER_BYTES = 1024 * 1024;

let chosen: Fetch | undefined;

/**
 * Makes `fetch` the one used by what is built from now on (undefined: the
 * libraries' own again).
 */
export function useFetch(fetch: Fetch | undefined): void {
  chosen = fetch;
}

/** The fetch an entry point chose, undefined for the libraries' own. */
export function chosenFetch(): Fetch | undefined {
  return chosen;
}

/** The error of an answer larger than MAX_ANSWER_BYTES. */
export function answerTooLarge(): Error {
  return Object.assign(new Error('The answer is larger than allowed'), {
    code: 'ERESPONSETOOLARGE',
  });
}

/**
 * The body of `res` as text, read no further than MAX_ANSWER_BYTES (its
 * Content-Length refused before any of it is read).
 * @throws answerTooLarge()'s error for a larger answer.
 */
export async function answerText(res: Response): Promise<string> {
  if (Number(res.headers.get('content-length')) > MAX_ANSWER_BYTES) {
    await res.body?.cancel();
    throw answerTooLarge();
  }
  if (res.body === null) return '';
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for await (const chunk of res.body) {
    bytes += chunk.length;
    if (bytes > MAX_ANSWER_BYTES) {
      await res.body.cancel().catch(() => undefined);
      throw answerTooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
