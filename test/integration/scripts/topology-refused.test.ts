/**
 * topology.json checked with broken copies: each refused with its problem
 * named in the topology's own words, all problems at once.
 */
import {expect} from 'chai';
import {parseTopology, TopologyError} from '../../../scripts/topology';
import {rawTopology as raw} from '../../fixtures/topology';

describe('topology.json', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const broken: {name: string; change: (t: any) => void; problem: RegExp}[] = [
    {
      name: 'a call to a function that does not exist',
      change: t => t.functions.user.calls.push('billing'),
      problem: /user\.calls: names no function "billing"/,
    },
    {
      name: 'an unknown ingress',
      change: t => (t.functions.order.ingress = 'private'),
      problem: /order\.ingress: must be one of all, internal-only/,
    },
    {
      name: 'two functions under one service account',
      change: t => (t.functions.order.serviceAccount = 'user-fn'),
      problem: /serviceAccount: is also/,
    },
    {
      name: 'an environment variable the topology derives',
      change: t => (t.functions.user.env.ALLOWED_CALLERS = 'x@y'),
      problem: /user\.env\.ALLOWED_CALLERS: is derived from the topology/,
    },
    {
      name: "another function's URL set by hand",
      change: t => (t.functions.user.env.ORDER_URL = 'https://o.test'),
      problem: /user\.env\.ORDER_URL: is derived from the topology/,
    },
    {
      name: 'an environment value that is not a string',
      change: t => (t.functions.user.env.BILLING_URL = {urlOf: 'billing'}),
      problem: /user\.env\.BILLING_URL: must be a string/,
    },
    {
      name: 'a value that would split into a second variable',
      change: t =>
        (t.functions.user.env.LOG_LEVEL = 'info;ALLOWED_CALLERS=anyone'),
      problem: /user\.env\.LOG_LEVEL: /,
    },
    {
      name: 'a value with a line break',
      change: t => (t.functions.user.env.LOG_LEVEL = 'info\nX=1'),
      problem: /user\.env\.LOG_LEVEL: /,
    },
    {
      name: 'a source folder outside the project',
      change: t => (t.functions.user.source = '../elsewhere'),
      problem: /user\.source: must be a folder of the project/,
    },
    {
      name: 'a cycle of calls, whose URLs cannot all exist first',
      change: t => t.functions.order.calls.push('user'),
      problem: /cycle .*user -> order -> user|cycle .*order -> user -> order/,
    },
    {
      name: 'a memory size gcloud does not take',
      change: t => (t.functions.gateway.resources.memory = '512MB'),
      problem: /gateway\.resources\.memory: must match/,
    },
    {
      name: 'a missing max-instances cap',
      change: t => delete t.functions.gateway.resources.maxInstances,
      problem:
        /gateway\.resources\.maxInstances: must be a positive whole number/,
    },
  ];
  broken.forEach(c =>
    it(`refuses ${c.name}`, () => {
      const copy = raw();
      c.change(copy);
      expect(() => parseTopology(copy))
        .to.throw(TopologyError)
        .with.property('message')
        .that.matches(c.problem);
    }),
  );

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const refusedRaw: [string, (t: any) => void, RegExp][] = [
    [
      'a function named __proto__',
      t =>
        Object.defineProperty(t.functions, '__proto__', {
          value: t.functions.user,
          enumerable: true,
        }),
      /__proto__: must be a lowercase name/,
    ],
    [
      'a variable named __proto__',
      t =>
        Object.defineProperty(t.functions.user.env, '__proto__', {
          value: 'x',
          enumerable: true,
        }),
      /user\.env\.__proto__: must be an UPPER_CASE name/,
    ],
    [
      'a call that is not a name',
      t => t.functions.user.calls.push(7),
      /^ {2}user\.calls: must be a list of names$/m,
    ],
    [
      'an environment that is not an object',
      t => (t.functions.user.env = 5),
      /^ {2}user\.env: must be an object of variables$/m,
    ],
    [
      'an entry that is not an object',
      t => (t.functions.user = 'x'),
      /^ {2}user: must be an object$/m,
    ],
  ];
  refusedRaw.forEach(([name, change, problem]) =>
    it(`refuses ${name}, in its own words`, () => {
      const copy = raw();
      change(copy);
      expect(() => parseTopology(copy))
        .to.throw(TopologyError)
        .with.property('message')
        .that.matches(problem)
        .and.not.match(/Invalid input|expected/);
    }),
  );

  it('still checks the rest of an entry its schema refuses', () => {
    const copy = raw();
    copy.functions.order.ingress = 'private';
    copy.functions.order.serviceAccount = copy.functions.user.serviceAccount;
    copy.functions.order.env.ALLOWED_CALLERS = 'x@y';
    expect(() => parseTopology(copy))
      .to.throw(TopologyError)
      .with.property('problems')
      .that.includes.members([
        "order.serviceAccount: is also user's",
        'order.env.ALLOWED_CALLERS: is derived from the topology',
      ]);
  });

  it('names every problem at once', () => {
    const copy = raw();
    copy.functions.user.ingress = 'private';
    copy.functions.order.localPort = 'x';
    expect(() => parseTopology(copy))
      .to.throw(TopologyError)
      .with.property('problems')
      .that.has.length(2);
  });
});
