/**
 * What an answer fetched from another service may hold, and how it is read
 * within that: calls between functions (service-client.ts, whatever their
 * transport) and account lookups (accounts.ts, through Node's `fetch`).
 */

/**
 * The most of one answer held in memory: far more than any function
 * answers (lists come in pages), little enough that a function's every
 * request in flight holding one stays well within its memory. Whatever
 * carries it, a larger answer is a failed call.
 */
export const MAX_ANSWER_BYTES = 1024 * 1024;

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
