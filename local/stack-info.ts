/**
 * What `.local/stack.json` holds: where each part of the running stack is,
 * the accounts it runs as, and each function's environment, for what reads
 * it (the banner, `npm run env`, `npm run token`, test.sh); and how the
 * stack makes and writes it.
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import * as path from 'node:path';
import {
  functionEnv,
  handRunEnv,
  type FunctionOptions,
  type StackLayout,
  type StackMode,
} from './functions';
import type {EndUserInfo} from './identity-server';
import type {SeedAccount} from './identity-toolkit';

/** What `.local/stack.json` holds. */
export interface StackInfo {
  projectId: string;
  mode: StackMode;
  /** The URL callers use, per function: its front end in cloud mode. */
  urls: Record<string, string>;
  /** Where each function's own process listens: behind its front end in cloud mode. */
  listens: Record<string, string>;
  /** host:port of the local VPC connector (cloud mode only). */
  connector?: string;
  /** The local console's URL, when it runs. */
  console?: string;
  firestore: string;
  /** Each data-keeping function's own database in the emulator (topology.json). */
  databases: Record<string, string>;
  identity: Record<string, string>;
  issuer: {url: string; certsUrl: string};
  accounts: Record<string, string>;
  /** End users: where they sign in, how their tokens are checked, and the seed users' accounts. */
  endUsers: EndUsers;
  /** The functions the stack did not start: left to be run by hand. */
  handRun: string[];
  /**
   * Each function's environment as the stack starts it (PATH left out):
   * what `npm run env -- <name>` prints, to run it by hand.
   */
  env: Record<string, Record<string, string>>;
}

/** The local Identity Platform, as `.local/stack.json` gives it. */
export interface EndUsers extends EndUserInfo {
  /** "off": END_USER_AUTH=off, no end-user token needed anywhere. */
  auth: 'on' | 'off';
  /** The bearer token of the local admin API (accounts:update, accounts:delete); local only. */
  adminToken: string;
  accounts: {email: string; password: string; uid: string; admin: boolean}[];
}

/** What the stack knows once everything is up, for `stackInfo`. */
export interface StackParts {
  /** What the functions' environments were made from. */
  layout: StackLayout;
  /** Where each function's own process listens. */
  listens: Record<string, string>;
  /** The console's URL, when it runs. */
  consoleUrl?: string;
  /** Each function's service account email. */
  accounts: Record<string, string>;
  /** The local admin API's bearer token. */
  adminToken: string;
  endUserAccounts: SeedAccount[];
  handRun: string[];
  /** How the functions are started (their environment depends on it). */
  options: FunctionOptions;
}

export function stackInfo(parts: StackParts): StackInfo {
  const {layout, listens, consoleUrl, options} = parts;
  const {topology, issuer, connector} = layout;
  return {
    projectId: layout.projectId,
    mode: layout.mode,
    urls: layout.urls,
    listens,
    ...(connector === undefined ? {} : {connector}),
    ...(consoleUrl === undefined ? {} : {console: consoleUrl}),
    firestore: layout.firestoreHost,
    databases: Object.fromEntries(
      topology.declared.flatMap(f =>
        f.firestore === undefined ? [] : [[f.name, f.firestore.database]],
      ),
    ),
    identity: issuer.hosts,
    issuer: {url: issuer.issuer, certsUrl: issuer.certsUrl},
    accounts: parts.accounts,
    endUsers: {
      auth: options.endUserAuth ?? 'on',
      ...issuer.endUsers,
      adminToken: parts.adminToken,
      accounts: parts.endUserAccounts.map(a => ({
        email: a.email,
        password: a.password,
        uid: a.uid,
        admin: a.claims?.role === 'admin',
      })),
    },
    handRun: parts.handRun,
    env: Object.fromEntries(
      topology.functions.map(({name}) => [
        name,
        handRunEnv(
          functionEnv(name, layout, options),
          Number(new URL(listens[name]).port),
          topology.get(name).resources.memory,
        ),
      ]),
    ),
  };
}

/** Writes `info` to `file` (`.local/stack.json`), making its folder. */
export function writeStackFile(file: string, info: StackInfo): void {
  mkdirSync(path.dirname(file), {recursive: true});
  writeFileSync(file, JSON.stringify(info, null, 2) + '\n');
}
