/** One load run with autocannon, from this process against a server on loopback. */
import autocannon from 'autocannon';

export interface Scenario {
  id: string;
  title: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

export interface LoadResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number;
}

export async function load(
  baseUrl: string,
  scenario: Scenario,
  connections: number,
  durationS: number,
): Promise<LoadResult> {
  const result = await autocannon({
    url: `${baseUrl}${scenario.path}`,
    method: scenario.method,
    connections,
    duration: durationS,
    timeout: 20,
    headers:
      scenario.body === undefined ? {} : {'content-type': 'application/json'},
    body:
      scenario.body === undefined ? undefined : JSON.stringify(scenario.body),
  });
  return {
    requestsPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}
