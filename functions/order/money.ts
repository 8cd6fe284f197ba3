/**
 * Money is kept as integer cents, so sums are exact: 3 x 15.99 + 2 x 9.99 is
 * 6795 cents, where adding the floats would give 67.94999999999999.
 * Amounts cross the API as decimal numbers with at most two decimals.
 */

/** Converts a validated amount (at most 2 decimals) to cents. */
export function toCents(amount: number): number {
  return Math.round(amount * 100);
}

/** Converts cents to the decimal amount shown in the API. */
export function fromCents(cents: number): number {
  return cents / 100;
}

/** Total of items priced in cents. */
export function totalCents(
  items: {quantity: number; priceCents: number}[],
): number {
  return items.reduce((sum, item) => sum + item.quantity * item.priceCents, 0);
}
