/** The gateway's answers: the envelope around what a function answered. */

/**
 * `{source, target, flow, ...extra, data}`: which function answered, the
 * path the request took, and its answer.
 */
export function envelope(
  target: string,
  flow: string,
  data: unknown,
  extra: Record<string, unknown> = {},
) {
  return {source: 'gateway', target, flow, ...extra, data};
}

/** Query values as strings again, for passing on downstream. */
export function pageParams(page: {
  limit: number;
  cursor?: string;
}): Record<string, string | undefined> {
  return {limit: String(page.limit), cursor: page.cursor};
}
