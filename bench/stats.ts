/** The few statistics the benchmark's figures are made of. */

export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

export const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Student's t, two-sided 95 %, by degrees of freedom (the next lower row beyond). */
const T95: [number, number][] = [
  [1, 12.706],
  [2, 4.303],
  [3, 3.182],
  [4, 2.776],
  [5, 2.571],
  [6, 2.447],
  [7, 2.365],
  [8, 2.306],
  [9, 2.262],
  [10, 2.228],
  [12, 2.179],
  [15, 2.131],
  [20, 2.086],
  [30, 2.042],
  [60, 2.0],
  [120, 1.98],
];

function t95(df: number): number {
  let t = T95[0][1];
  for (const [d, value] of T95) if (df >= d) t = value;
  return df > 1000 ? 1.96 : t;
}

/** A ratio and its 95 % confidence interval. */
export interface RatioEstimate {
  ratio: number;
  low: number;
  high: number;
  /** How many ratios it is made of. */
  n: number;
}

/**
 * The geometric mean of paired ratios (a/b, one per round) with a 95 %
 * confidence interval: the mean of their logarithms, ± t standard errors.
 * Logarithms make a/b and b/a symmetric. Needs two ratios or more.
 */
export function ratioEstimate(ratios: number[]): RatioEstimate {
  const n = ratios.length;
  if (n < 2) {
    const only = ratios[0] ?? NaN;
    return {ratio: only, low: NaN, high: NaN, n};
  }
  const logs = ratios.map(Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const margin = (t95(n - 1) * sd) / Math.sqrt(n);
  return {
    ratio: round(Math.exp(mean), 3),
    low: round(Math.exp(mean - margin), 3),
    high: round(Math.exp(mean + margin), 3),
    n,
  };
}
