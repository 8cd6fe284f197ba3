import type {HttpFunction} from '@google-cloud/functions-framework';

/**
 * A property descriptor that builds an HTTP function on first access. The
 * Functions Framework reads only its target's export, so each process loads
 * and configures only the function it serves.
 */
export function lazyFunction(build: () => HttpFunction): PropertyDescriptor {
  let fn: HttpFunction | undefined;
  return {enumerable: true, get: () => (fn ??= build())};
}
