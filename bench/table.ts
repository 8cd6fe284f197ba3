/** The table of a run's measurements, as the benchmark prints it. */
import type {Scenario} from './load';
import type {Row} from './measure';
import type {VariantId} from './targets';

/** The table of every measurement, one line a row, as printed. */
export function formatTable(
  rows: Row[],
  scenarios: Scenario[],
  concurrency: number[],
  variants: VariantId[],
): string[] {
  const lines = [
    `${'Scenario'.padEnd(64)}${'variant'.padEnd(18)}conc    req/s   p50 ms  p99 ms  cpu ms/req  errors`,
  ];
  for (const s of scenarios)
    for (const c of concurrency)
      for (const v of variants) {
        const r = rows.find(
          x => x.variant === v && x.scenario === s.id && x.concurrency === c,
        );
        if (r === undefined) continue;
        lines.push(
          `${s.title.padEnd(64)}${v.padEnd(18)}${String(c).padStart(4)}${r.requestsPerSec.toFixed(0).padStart(9)}${String(r.p50Ms).padStart(9)}${String(r.p99Ms).padStart(8)}${r.cpuMsPerRequest.toFixed(2).padStart(9)}${String(r.errors).padStart(8)}`,
        );
      }
  return lines;
}
