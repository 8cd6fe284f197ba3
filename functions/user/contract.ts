/**
 * The user function's contract: what it accepts (the gateway validates
 * with the same rules before it calls, the user function again), what it
 * answers (its callers parse every answer with these schemas), and the
 * end-user rule of a new profile. Callers import it from here; the user
 * function owns it.
 */
import {z} from 'zod';
import {isAdmin, own, ownerFor, ownId} from '../common/http/access';
import type {Principal} from '../common/http/principal';
import {
  ForbiddenError,
  HttpError,
  NotFoundError,
} from '../common/protocol/problem';
import {endpoint} from '../common/contract';
import {
  idParams,
  idSchema,
  pageOnly,
  parseInput,
} from '../common/protocol/validation';
import {passedOnOrdersSchema} from '../order/contract';

/** A profile's role: data about the person, not what they may do (access.ts decides that). */
export const ROLES = ['admin', 'developer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** The user function's own problem code that its callers branch on. */
export const USER_NOT_FOUND = 'user-not-found';

/**
 * The answer to a profile that is not there, or is another user's: the
 * same, from the user function and from the gateway, so that one cannot be
 * told from the other.
 */
export function userNotFound(id: string): NotFoundError {
  return new NotFoundError(USER_NOT_FOUND, `User ${id} not found.`);
}

/** For a route on one user's data: another user's id is answered as a missing one. */
export const OWN_USER_ID = (param: string) =>
  ownId(param, async req => {
    throw userNotFound(req.params[param]);
  });

/** What an end user who is not an admin may create. */
export const OWN_PROFILE = own(
  'their own profile, once: id = uid, email from the token',
);

/** A profile as the user function answers it. */
export const userViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.enum(ROLES),
  createdAt: z.string(),
});

/** The answer of a route on one profile: `GET /users/:id`, `POST /users`. */
export const userAnswerSchema = z.object({
  service: z.literal('user'),
  user: userViewSchema,
});

/** The answer of `GET /users`. */
export const userListSchema = z.object({
  service: z.literal('user'),
  users: z.array(userViewSchema),
  nextCursor: z.string().optional(),
});
export type UserAnswer = z.infer<typeof userAnswerSchema>;
export type UserList = z.infer<typeof userListSchema>;

/**
 * The answer of the mesh route, `GET /users/:id/orders`: the profile, the
 * order function's list as the user function passes it on, and the path
 * the request took from the user function on.
 */
export const meshAnswerSchema = z.object({
  service: z.literal('user'),
  user: userViewSchema,
  orders: passedOnOrdersSchema,
  mesh_path: z.array(z.string()),
});
export type MeshAnswer = z.infer<typeof meshAnswerSchema>;

/** The role of a profile whose creator did not (or may not) choose one. */
const DEFAULT_ROLE: Role = 'viewer';

/**
 * The body of a new profile. An end user sends only `name` (and at most
 * their own uid as `id`): the id is their uid, the email comes from their
 * token, the role is the default. An admin may set all four.
 */
const newProfileSchema = z.strictObject({
  id: idSchema.optional(),
  name: z
    .string()
    .trim()
    .min(1, {error: 'is required'})
    .max(100, {error: 'is too long'}),
  email: z
    .email({error: 'must be an email address'})
    .max(254, {error: 'is too long'})
    .optional(),
  role: z.enum(ROLES, {error: `must be one of ${ROLES.join(', ')}`}).optional(),
});
export type NewProfile = z.infer<typeof newProfileSchema>;

/** What an admin sends: any profile, so its email is needed. */
const adminProfileSchema = newProfileSchema.extend({
  email: newProfileSchema.shape.email.unwrap(),
});

/** The body schema of a new profile for a requester who is (or is not) an admin. */
function profileSchemaFor(admin: boolean) {
  return admin ? adminProfileSchema : newProfileSchema;
}

/**
 * The profile `p` may create from `input`: an admin any (its id, email and
 * role as given), an end user only their own, once, under their uid, with
 * the email their token carries, once verified, and the default role.
 * @throws ForbiddenError for an end user naming another id, an email or a
 *   role, or whose email is not verified.
 */
function profileFor(
  p: Principal,
  input: NewProfile,
): {id?: string; user: {name: string; email: string; role: Role}} {
  const {id, name, email, role} = input;
  // adminProfileSchema made the email required (profileSchemaFor).
  if (isAdmin(p))
    return {id, user: {name, email: email!, role: role ?? DEFAULT_ROLE}};
  if (email !== undefined || role !== undefined)
    throw new ForbiddenError(
      'admin-only',
      "Only an admin may set a profile's email or role.",
    );
  const uid = ownerFor(p, id);
  if (p.kind !== 'end-user' || uid === undefined)
    throw new ForbiddenError(
      'end-user-only',
      'Only a signed-in user may create a profile.',
    );
  if (p.email === undefined)
    throw new HttpError(
      422,
      'sign-in-without-email',
      'Your sign-in has no email for the profile.',
    );
  // Anyone may sign up with any address: an unproven one must not become
  // a profile's, nor keep its owner from having one.
  if (!p.emailVerified)
    throw new ForbiddenError(
      'email-not-verified',
      'Verify your email address first: a profile takes its email only from a sign-in whose address is verified.',
    );
  if (!idSchema.safeParse(uid).success)
    throw new HttpError(
      422,
      'user-id-unusable',
      'Your user id cannot name a profile.',
    );
  return {id: uid, user: {name, email: p.email, role: DEFAULT_ROLE}};
}

/**
 * The body of a new profile from `p`, parsed with the schema for who `p` is,
 * and the profile `p` may create from it (profileFor).
 * @throws ValidationError, ForbiddenError, HttpError (422)
 */
export function profileRequest(
  p: Principal,
  body: unknown,
): {input: NewProfile; profile: ReturnType<typeof profileFor>} {
  const input = parseInput(profileSchemaFor(isAdmin(p)), body, 'body');
  return {input, profile: profileFor(p, input)};
}

/**
 * The user function's calls: its routes serve them (routes.ts), its
 * callers make them (the gateway) through `callTo`.
 */
export const userCalls = {
  listUsers: endpoint({
    method: 'GET',
    path: '/users',
    summary: 'A page of profiles',
    query: pageOnly,
    answer: userListSchema,
    problems: {},
  }),
  createUser: endpoint({
    method: 'POST',
    path: '/users',
    summary: 'A new profile',
    status: 201,
    body: newProfileSchema,
    answer: userAnswerSchema,
    problems: {
      'admin-only': 403,
      'end-user-only': 403,
      'email-not-verified': 403,
      'email-taken': 409,
      'profile-exists': 409,
      'sign-in-without-email': 422,
      'user-id-unusable': 422,
    },
  }),
  getUser: endpoint({
    method: 'GET',
    path: '/users/:id',
    summary: 'One profile',
    params: idParams,
    answer: userAnswerSchema,
    problems: {[USER_NOT_FOUND]: 404},
  }),
  deleteUser: endpoint({
    method: 'DELETE',
    path: '/users/:id',
    summary: 'A profile deleted',
    status: 204,
    params: idParams,
    problems: {[USER_NOT_FOUND]: 404, 'user-has-open-orders': 409},
  }),
  userOrders: endpoint({
    method: 'GET',
    path: '/users/:id/orders',
    summary:
      'A profile and its orders, the orders from the order function (mesh)',
    params: idParams,
    answer: meshAnswerSchema,
    problems: {[USER_NOT_FOUND]: 404},
  }),
};
