/**
 * What the console takes and keeps at most. Anything on this machine can
 * send it spans (OTLP) and any process of the stack writes the lines it
 * reads, so what it keeps is bounded by count and by size, whatever it is
 * sent: the oldest traces are forgotten first, a long text is cut.
 */

/** The largest body taken: a batch of spans, not a bulk upload (413 beyond). */
export const MAX_BODY_BYTES = 1 << 20;
/** The longest log line read: a front end's line is far shorter. */
export const MAX_LINE_CHARS = 64 * 1024;
/** Characters kept of any text: a span's name, an attribute's value, a line's field. */
export const MAX_TEXT_CHARS = 256;
/** Traces kept, and requests in the live list. */
export const MAX_TRACES = 500;
/** Spans kept across all traces: many times what the traces of the stack's requests hold. */
export const MAX_SPANS = 10_000;
/** Spans kept of one trace: more than any request of this system makes, by far. */
export const MAX_SPANS_PER_TRACE = 1000;

/**
 * `text` cut to MAX_TEXT_CHARS, copied: V8 may make a slice a view of the
 * string it was cut from, which would keep the whole of that alive.
 */
export function clip(text: string): string {
  if (text.length <= MAX_TEXT_CHARS) return text;
  return Buffer.from(text.slice(0, MAX_TEXT_CHARS)).toString();
}
