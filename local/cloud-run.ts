/**
 * The local stand-ins for what Google runs in front of and between the
 * functions on Cloud Run: a front end per function (ingress, IAM invoker
 * check, token signature stripped) and the VPC connector that the callers'
 * outgoing calls go through. Cloud mode of the stack only.
 */
import {createServer} from 'node:http';
import type {Topology} from '../scripts/topology';
import {CloudRunFrontEnd} from './front-end';
import type {IdentityInfo} from './identity-server';
import {logSink, type LogTarget} from './logs';
import {closeServer, listenLocal, listenOn} from './processes';
import {VpcConnector} from './vpc-connector';

export interface CloudRunSetting {
  topology: Topology;
  projectId: string;
  /** Where callers reach each function: its front end. */
  urls: Record<string, string>;
  /** Where each function itself listens. */
  listens: Record<string, string>;
  /** Each function's service account email. */
  accounts: Record<string, string>;
  issuer: IdentityInfo;
  logs: LogTarget;
  /** Fixed port of the connector; absent picks a free one. */
  connectorPort?: number;
}

/** Starts the front ends and the connector; resolves to the connector's host:port. */
export async function startCloudRunStandIns(
  setting: CloudRunSetting,
): Promise<{connector: string; stop: () => Promise<void>}> {
  const {topology, urls, listens, accounts, issuer} = setting;
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch(() => undefined);
  };
  try {
    const log = logSink('front-end', setting.logs);
    stoppers.push(log.close);
    const frontEnds = topology.functions.map(spec => {
      return new CloudRunFrontEnd({
        projectId: setting.projectId,
        service: spec.name,
        url: urls[spec.name],
        functionUrl: listens[spec.name],
        ingress: spec.ingress,
        allowUnauthenticated: spec.allowUnauthenticated,
        invokers: spec.invokers.map(caller => accounts[caller]),
        issuer: issuer.issuer,
        certsUrl: issuer.certsUrl,
        log: log.write,
        capacity: spec.resources.maxInstances * spec.resources.concurrency,
      });
    });
    for (const fe of frontEnds) {
      const server = createServer(
        (req, res) => void fe.handle(req, res, 'internet'),
      );
      await listenLocal(server, Number(new URL(fe.options.url).port));
      stoppers.push(async () => {
        fe.close();
        await closeServer(server);
      });
    }
    const vpc = new VpcConnector(frontEnds, log.write);
    const connector = await listenOn(
      setting.connectorPort ?? 0,
      'CONNECTOR_PORT',
      port => vpc.listen(port),
    );
    stoppers.push(() => vpc.close());
    return {connector, stop};
  } catch (e: unknown) {
    await stop();
    throw e;
  }
}
