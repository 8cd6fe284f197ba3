import type {HttpFunction} from '@google-cloud/functions-framework';

/**
 * A property descriptor that builds an HTTP function on first access. The
 * Functions Framework reads only its target's export, so each process loads
 * and configures only the function it serves.
 */
export function lazyFunction(build: () => HttpFunction): PropertyDescriptor {
  return {enumerable: true, get: onFirstUse(build)};
}

/**
 * `build`'s result, built on the first call and kept. For what only some
 * requests need and is slow to load (the Firestore client): a process
 * that never needs it never pays for it, and one that does pays once.
 */
export function onFirstUse<T>(build: () => T): () => T {
  let value: T | undefined;
  let built = false;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}

/**
 * `given` when there is one (a test's, or a caller's choice), else
 * `build`'s result on first use (onFirstUse): a default that loads a
 * library is paid for by the first request that needs it, not at start.
 */
export function givenOrOnFirstUse<T>(
  given: T | undefined,
  build: () => T,
): () => T {
  return given === undefined ? onFirstUse(build) : () => given;
}
