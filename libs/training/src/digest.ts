import { createHash } from 'node:crypto';

/** Lower-case hex SHA-256 of bytes (the registry's artifact digest). */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
