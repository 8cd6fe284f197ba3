/**
 * Benchmark only: an OTLP/HTTP receiver that takes every export and keeps
 * nothing, standing for the Telemetry API or the console, so that what
 * exporting spans costs a function is measured without a receiver's own
 * work on this machine's CPUs.
 */
import {createServer} from 'node:http';
import {freePort} from '../local/processes';

export interface OtlpSink {
  /** The traces endpoint: `http://127.0.0.1:<port>/v1/traces`. */
  url: string;
  /** Exports taken so far. */
  exports(): number;
  close(): Promise<void>;
}

export async function otlpSink(): Promise<OtlpSink> {
  let taken = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      taken++;
      res.writeHead(200, {'Content-Type': 'application/json'}).end('{}');
    });
  });
  const port = await freePort();
  await new Promise<void>(r => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    exports: () => taken,
    close: () =>
      new Promise<void>(r => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
