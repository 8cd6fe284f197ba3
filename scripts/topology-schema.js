// @ts-check
/**
 * The schema of one function's entry in topology.json (see topology.js for
 * its fields), each check with the words a problem line says; the rules
 * that span functions are topology-parse.js's.
 */
'use strict';

const {z} = require('zod');

/** @type {['all', 'internal-only', 'internal-and-gclb']} */
const INGRESS = ['all', 'internal-only', 'internal-and-gclb'];
const ACCOUNT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
// Firestore's rule for a database id (4-63 of a-z, 0-9, -; a letter first).
const DATABASE_ID = /^[a-z][a-z0-9-]{2,61}[a-z0-9]$/;
/** A check's message, for zod's `error` option. */
const says = (/** @type {string} */ message) => ({error: message});
const text = z
  .string(says('must be a string'))
  .min(1, says('must be a string'));
const flag = z.boolean(says('must be true or false'));
const names = z.array(
  z.string(says('must be a list of names')),
  says('must be a list of names'),
);
const positive = z
  .number(says('must be a positive whole number'))
  .int(says('must be a positive whole number'))
  .min(1, says('must be a positive whole number'));
const matching = (/** @type {RegExp} */ pattern) =>
  z
    .string(says(`must match ${pattern}`))
    .regex(pattern, says(`must match ${pattern}`));

const FOLDER = 'must be a folder of the project (a relative path)';
const DATABASE =
  'must be a Firestore database id (4-63 of a-z, 0-9, -, a letter first)';

/** A function's own environment: checked against the whole topology below. */
const envSchema = z
  .record(z.string(), z.unknown(), says('must be an object of variables'))
  .default({});

/** One function's entry of topology.json (see topology.js for its fields). */
const functionSchema = z.object(
  {
    entryPoint: text,
    serviceAccount: text.regex(
      ACCOUNT_ID,
      says('must be a service account id (6-30 of a-z, 0-9, -)'),
    ),
    ingress: z.enum(INGRESS, says(`must be one of ${INGRESS.join(', ')}`)),
    allowUnauthenticated: flag,
    vpcEgress: flag,
    calls: names,
    env: envSchema,
    source: z
      .string(says(FOLDER))
      .refine(
        source =>
          /^[a-z0-9][a-z0-9/_-]*$/i.test(source) &&
          !source.split('/').includes('..'),
        says(FOLDER),
      )
      .optional(),
    firestore: z
      .object(
        {
          database: z.string(says(DATABASE)).regex(DATABASE_ID, says(DATABASE)),
          collections: z
            .array(
              z
                .string(says('must be a list of collection names'))
                .min(1, says('must be a list of collection names')),
              says('must be a list of collection names'),
            )
            .min(1, says('must be a list of collection names')),
        },
        says('must be an object'),
      )
      .optional(),
    localPort: z
      .number(says('must be a port number'))
      .int(says('must be a port number'))
      .min(1, says('must be a port number'))
      .max(65535, says('must be a port number')),
    resources: z.object(
      {
        maxInstances: positive,
        concurrency: positive,
        cpu: matching(/^\d+(\.\d+)?$/),
        memory: matching(/^\d+(Mi|Gi)$/),
        timeout: matching(/^\d+s$/),
      },
      says('must be an object'),
    ),
  },
  says('must be an object'),
);

/** The file as a whole: a map of functions, each checked apart. */
const topologySchema = z.object(
  {
    functions: z
      .record(z.string(), z.unknown(), says('must map names to functions'))
      .default({}),
  },
  says('must be an object'),
);

/**
 * zod's issues as "name.field: message" lines, an item of a list named by
 * its list, each line once.
 */
const problemsOf = (
  /** @type {string} */ prefix,
  /** @type {z.core.$ZodIssue[]} */ issues,
) => [
  ...new Set(
    issues.map(issue => {
      const path = issue.path.filter(p => typeof p === 'string').join('.');
      return `${[prefix, path].filter(Boolean).join('.')}: ${issue.message}`;
    }),
  ),
];

/** The own entries of `value` when it is an object (`__proto__` too, which zod's records drop). */
/**
 * @param {unknown} value
 * @returns {[string, unknown][]}
 */
function entriesOf(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.keys(value).map(key => [key, Reflect.get(value, key)])
    : [];
}

module.exports = {
  DATABASE_ID,
  entriesOf,
  functionSchema,
  problemsOf,
  topologySchema,
};
