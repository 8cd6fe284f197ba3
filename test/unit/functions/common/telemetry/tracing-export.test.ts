/** Where a function's spans say they ran, and what a failed export leaves in the logs. */
import {ExportResultCode, type ExportResult} from '@opentelemetry/core';
import type {ReadableSpan, SpanExporter} from '@opentelemetry/sdk-trace';
import {expect} from 'chai';
import * as sinon from 'sinon';
import type {
  Logger,
  LogFields,
  Severity,
} from '../../../../../functions/common/telemetry/logger';
import {
  reporting,
  resourceOf,
} from '../../../../../functions/common/telemetry/tracing';
import {exportFailures} from '../../../../../functions/common/setup/wiring';

/** An exporter that answers each export with the next of `results`. */
function exporterAnswering(...results: ExportResult[]): SpanExporter & {
  shutdowns: number;
} {
  return {
    shutdowns: 0,
    export(_spans, done) {
      done(results.shift()!);
    },
    async shutdown() {
      this.shutdowns++;
    },
  };
}

function recordingLogger(): Logger & {
  lines: {severity: Severity; message: string; fields?: LogFields}[];
} {
  const lines: {severity: Severity; message: string; fields?: LogFields}[] = [];
  return {
    lines,
    enabled: () => true,
    log: (severity, message, fields) => lines.push({severity, message, fields}),
  };
}

describe('tracing export', () => {
  it('names the service and project everywhere, and Cloud Run’s platform, service and revision there', () => {
    expect(resourceOf({service: 'user', projectId: 'p'})).to.deep.equal({
      'service.name': 'user',
      'gcp.project_id': 'p',
    });
    expect(
      resourceOf({
        service: 'user',
        projectId: 'p',
        cloudRun: {service: 'user-fn', revision: 'user-fn-00007-abc'},
      }),
    ).to.deep.equal({
      'service.name': 'user',
      'gcp.project_id': 'p',
      'cloud.provider': 'gcp',
      'cloud.platform': 'gcp_cloud_run',
      'cloud.account.id': 'p',
      'faas.name': 'user-fn',
      'faas.version': 'user-fn-00007-abc',
    });
    const service = resourceOf({
      service: 'user',
      projectId: 'p',
      cloudRun: {service: 's'},
    });
    expect(service).to.not.have.property('faas.version');
    // A Cloud Run function, as OpenTelemetry's GCP detector names it.
    expect(
      resourceOf({
        service: 'user',
        projectId: 'p',
        cloudRun: {service: 's', function: true},
      }),
    ).to.include({'cloud.platform': 'gcp_cloud_functions', 'faas.name': 's'});
  });

  it('tells of each failed export and passes every result on as it came', () => {
    const refused = new Error('Unexpected status code 403');
    const inner = exporterAnswering(
      {code: ExportResultCode.SUCCESS},
      {code: ExportResultCode.FAILED, error: refused},
      {code: ExportResultCode.FAILED},
    );
    const failures: (Error | undefined)[] = [];
    const exporter = reporting(inner, e => failures.push(e));
    const results: ExportResult[] = [];
    for (let i = 0; i < 3; i++)
      exporter.export([] as ReadableSpan[], r => results.push(r));
    expect(results.map(r => r.code)).to.deep.equal([
      ExportResultCode.SUCCESS,
      ExportResultCode.FAILED,
      ExportResultCode.FAILED,
    ]);
    expect(failures).to.deep.equal([refused, undefined]);
    void exporter.shutdown();
    expect(inner.shutdowns).to.equal(1);
    expect(reporting(inner, undefined)).to.equal(inner);
  });

  describe('exportFailures', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => (clock = sinon.useFakeTimers({now: 1_000_000})));
    afterEach(() => clock.restore());

    it('warns at the first failure, then once at the end of each minute that had more, with how many', () => {
      const logger = recordingLogger();
      const failed = exportFailures(logger, 'https://telemetry.example/v1');
      failed(new Error('Unexpected status code 403'));
      failed(undefined);
      clock.tick(59_999);
      failed(undefined);
      expect(logger.lines).to.have.length(1);
      // The minute's count is reported at its end, though no failure follows.
      clock.tick(1);
      expect(logger.lines).to.have.length(2);
      failed(new Error('x'.repeat(2000)));
      clock.tick(60_000);
      // A minute without failures says nothing.
      clock.tick(180_000);
      expect(logger.lines.map(l => l.severity)).to.deep.equal([
        'WARNING',
        'WARNING',
        'WARNING',
      ]);
      expect(logger.lines[0].fields).to.deep.equal({
        endpoint: 'https://telemetry.example/v1',
        failedExports: 1,
        error: 'Unexpected status code 403',
      });
      // No words: none of the minute's failures had any.
      expect(logger.lines[1].fields).to.deep.equal({
        endpoint: 'https://telemetry.example/v1',
        failedExports: 2,
      });
      expect(logger.lines[2].fields).to.include({failedExports: 1});
      expect(logger.lines[2].fields?.error).to.have.length(500);
    });

    it('warns at once again for a failure after a quiet minute', () => {
      const logger = recordingLogger();
      const failed = exportFailures(logger, 'https://telemetry.example/v1');
      failed(new Error('first'));
      clock.tick(120_000);
      failed(new Error('again'));
      expect(logger.lines.map(l => l.fields?.error)).to.deep.equal([
        'first',
        'again',
      ]);
    });
  });
});
