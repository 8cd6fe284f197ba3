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

/**
 * Parses `value` or throws a ValidationError naming each bad field.
 * @param what names the input in the message: "body", "query", "path".
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    `The request ${what} is not valid.`,
    result.error.issues.map(issue => ({
      field: fieldName(issue.path) || what,
      message: issue.message,
    })),
  );
}

function fieldName(path: PropertyKey[]): string {
  return path
    .map((p, i) =>
      typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`,
    )
    .join('');
}
