/**
 * The benchmark's conclusions, computed from its measurements by pure
 * functions (tested on their own): the ratios between variants (ratios.ts)
 * and the targets each as met or not (goals.ts). The table printed beside
 * them is table.ts.
 */
import type {Figures} from './figures';
import {judgeTargets, type TargetResult} from './goals';
import type {Scenario} from './load';
import type {Row} from './measure';
import {computeRatios, type Ratios} from './ratios';

export interface Report {
  ratios: Ratios;
  targets: TargetResult[];
}

/** Computes the ratios and targets of a run. */
export function buildReport(
  rows: Row[],
  figures: Figures,
  scenarios: Scenario[],
  concurrency: number[],
): Report {
  const ratios = computeRatios(rows, figures, scenarios, concurrency);
  const targets = judgeTargets(
    ratios,
    figures,
    scenarios,
    Math.max(...concurrency),
  );
  return {ratios, targets};
}
