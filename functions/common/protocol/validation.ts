/**
 * Input validation with zod, reported as a 400 problem that lists every
 * offending field, and the schemas shared by more than one function.
 */
import {z} from 'zod';
import {ValidationError} from './problem';

/**
 * Document ids: what Firestore generates and the seed data uses. Nothing
 * that could form a path ("/", ".", ".."), and none of the ids Firestore
 * reserves (`__…__`), which it refuses with an error of its own: every id
 * from a path, a body or a cursor is checked here before it reaches it.
 */
export const idSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, {
    error: 'must be 1-64 letters, digits, "_" or "-"',
  })
  .refine(id => !/^__.*__$/.test(id), {
    error: 'is reserved: ids of the form __…__ belong to Firestore',
  });

export const MAX_PAGE_SIZE = 100;

/** `?limit=&cursor=` of every list route. */
export const pageQuery = {
  limit: z.coerce
    .number({error: 'must be a number'})
    .int({error: 'must be a whole number'})
    .min(1, {error: `must be between 1 and ${MAX_PAGE_SIZE}`})
    .max(MAX_PAGE_SIZE, {error: `must be between 1 and ${MAX_PAGE_SIZE}`})
    .default(20),
  cursor: idSchema.optional(),
};

/** Path parameters of the routes on one document, and `?limit=&cursor=` alone. */
export const idParams = z.object({id: idSchema});
export const userIdParams = z.object({userId: idSchema});
export const pageOnly = z.object(pageQuery);

/** What a field that is not well-formed Unicode text is told. */
export const NOT_WELL_FORMED = 'is not well-formed Unicode text';

/** At most this many ill-formed strings are named: a body can hold thousands. */
const MAX_ILL_FORMED = 10;

/**
 * Parses `value` or throws a ValidationError naming each bad field.
 * Before its schema, every string in `value`, object keys included, must be
 * well-formed Unicode: JSON's `\ud800` escapes parse to lone surrogates,
 * which Firestore refuses (or keeps mangled) and a hash reads as U+FFFD,
 * so none passes, whatever the schema says of the field.
 * @param what names the input in the message: "body", "query", "path".
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.infer<S> {
  const illFormed = [
    ...new Set(illFormedFields(value).map(path => fieldName(path) || what)),
  ];
  const result = schema.safeParse(value);
  if (result.success && illFormed.length === 0) return result.data;
  const issues = result.success ? [] : result.error.issues;
  throw new ValidationError(`The request ${what} is not valid.`, [
    ...illFormed.map(field => ({field, message: NOT_WELL_FORMED})),
    // What the schema says of the rest (an unknown key's issue would
    // repeat the key that is not well-formed).
    ...issues
      .map(issue => ({
        field: fieldName(issue.path) || what,
        message: issue.message,
      }))
      .filter(e => !illFormed.includes(e.field)),
  ]);
}

/** A value met while walking an input, and how it was reached. */
interface Visit {
  value: unknown;
  key?: PropertyKey;
  parent?: Visit;
}

/**
 * The paths of the strings in `value` that are not well-formed Unicode (a
 * key that is not names the object holding it), at most MAX_ILL_FORMED.
 * Iterative, and paths are built only for what is found: a deeply nested
 * body costs its size, not the square of its depth or the call stack.
 */
function illFormedFields(value: unknown): PropertyKey[][] {
  const found: Visit[] = [];
  const pending: Visit[] = [{value}];
  while (pending.length > 0 && found.length < MAX_ILL_FORMED) {
    const visit = pending.pop()!;
    const v = visit.value;
    if (typeof v === 'string') {
      if (!v.isWellFormed()) found.push(visit);
    } else if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v);
      if (entries.some(([key]) => !key.isWellFormed())) found.push(visit);
      // Reversed onto the stack: found in the order the input has them.
      for (const [key, item] of entries.reverse()) {
        if (key.isWellFormed())
          pending.push({
            value: item,
            key: Array.isArray(v) ? Number(key) : key,
            parent: visit,
          });
      }
    }
  }
  return found.slice(0, MAX_ILL_FORMED).map(pathOf);
}

function pathOf(visit: Visit): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let v: Visit | undefined = visit; v?.key !== undefined; v = v.parent)
    path.push(v.key);
  return path.reverse();
}

function fieldName(path: PropertyKey[]): string {
  return path
    .map((p, i) =>
      typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`,
    )
    .join('');
}
