/**
 * Benchmark only. zod, which parses every boundary, and the OpenTelemetry
 * SDK, which makes the spans: what every function loads at start besides
 * the Functions Framework (the OTLP exporter waits for the first export),
 * and the floor does not. The framework floor loads them on request
 * (framework-floor.ts), to show the best start a function built as
 * required can have.
 */
export const REQUIRED_LIBRARIES = [
  'zod',
  '@opentelemetry/api',
  '@opentelemetry/core',
  '@opentelemetry/resources',
  '@opentelemetry/sdk-trace',
];
