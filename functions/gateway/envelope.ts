/** The gateway's answers: the envelope around what a function answered. */
import {z} from 'zod';

/**
 * `{source, target, flow, ...extra, data}`: which function answered, the
 * path the request took, and its answer.
 */
export function envelope<T, const X extends Record<string, unknown> = {}>(
  target: string,
  flow: string,
  data: T,
  extra: X = {} as X,
) {
  return {source: 'gateway' as const, target, flow, ...extra, data};
}

/** The schema of an envelope around `data`, with the `extra` members some routes add. */
export function envelopeSchema<
  T extends z.ZodType,
  X extends z.ZodRawShape = {},
>(data: T, extra: X = {} as X) {
  return z.object({
    source: z.literal('gateway'),
    target: z.string(),
    flow: z.string(),
    ...extra,
    data,
  });
}

/** Query values as strings again, for passing on downstream. */
export function pageParams(page: {limit: number; cursor?: string}): {
  limit: string;
  cursor?: string;
} {
  return {limit: String(page.limit), cursor: page.cursor};
}
