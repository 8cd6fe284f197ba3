import {createHash} from 'node:crypto';

/** The SHA-256 of `text` in hex: fixed-length ids for keys of any shape. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
