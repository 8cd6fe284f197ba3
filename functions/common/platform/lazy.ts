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
