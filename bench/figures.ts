/**
 * What a run measures besides the load's rows: cold starts, memory, one
 * Firestore read per client, and logging and tracing's cost. The report
 * (report.ts) draws its ratios and targets from these and the rows.
 */
import type {ColdStartSamples} from './cold-starts';
import type {TelemetryCosts} from './measure';
import type {TelemetryUs} from './probes';
import type {VariantId} from './targets';

export interface Figures {
  /**
   * Ms from process start to the first answer (cold-starts.ts coldStart): of
   * `GET /` for the gateway and the hello-world, of their first route for
   * user and order.
   */
  coldStartMs: Record<string, number>;
  /** The same for the floor's user and order, per Firestore transport. */
  floorColdStartMs?: Record<string, Record<'grpc' | 'rest', number>>;
  /**
   * The same for the floor's work inside the Functions Framework
   * (framework-floor.ts), per transport: the framework's own share of a
   * first answer.
   */
  frameworkFloorColdStartMs?: Record<string, Record<'grpc' | 'rest', number>>;
  frameworkFloorWithLibrariesColdStartMs?: Record<
    string,
    Record<'grpc' | 'rest', number>
  >;
  /** User's and order's first answers without a tuning device, by device. */
  withoutDeviceColdStartMs?: Record<string, Record<string, number>>;
  /**
   * Every sample behind the medians above, in the order taken: sample i
   * of each was taken in the same turn (cold-starts.ts coldStarts), so
   * their ratios pair up.
   */
  coldStartSamplesMs?: ColdStartSamples;
  /** Resident MB per function after the mesh route's rounds, for ours and framework-domain. */
  rssMbAfterLoad: Partial<Record<VariantId, Record<string, number>>>;
  /**
   * Per function of ours: the most resident memory its instance had under
   * the load, and its memory limit (topology.json), in MiB.
   */
  peakRssMb?: Record<string, {peak: number; limit: number}>;
  /** One Firestore read per client setting (the floor's probe), and the floor's choice. */
  firestoreReads?: Record<
    'grpc' | 'rest' | 'ours',
    {cpuMsPerRead: number; readsPerSec: number}
  >;
  floorFirestoreTransport?: 'grpc' | 'rest';
  /** Logging and tracing switched on and off at a fixed rate, when silent ran. */
  telemetry?: TelemetryCosts;
  /** Logging and tracing's own CPU per request in one function (probes.ts). */
  telemetryUsPerRequest?: TelemetryUs;
  [name: string]: unknown;
}
