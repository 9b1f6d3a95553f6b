import { createHash } from 'node:crypto';

/**
 * The write of one feature-view row, atomic in Redis (a Lua script runs alone):
 *
 * KEYS[1]  the entity hash
 * ARGV[1]  the view's timestamp field (`_ts:<view>`)
 * ARGV[2]  the row's event time, epoch ms
 * ARGV[3]  TTL in seconds for the whole hash, 0 = leave the expiry as it is
 * ARGV[4]  n, the number of fields to set
 * ARGV[5 .. 4+2n]   field, value pairs
 * ARGV[5+2n ..]     fields to delete (features whose value is missing)
 *
 * Returns 1 when written, 0 when the stored row of the view is strictly newer (the write is
 * ignored and nothing, the TTL included, changes). An equal event time overwrites: a
 * re-materialization of the same data (e.g. after a refit) replaces the row. Feast's Redis store
 * skips equal timestamps too (`<=`); with one row per event time, replacing is what a rerun wants.
 */
export const WRITE_SCRIPT = `local prev = redis.call('HGET', KEYS[1], ARGV[1])
if prev and tonumber(prev) > tonumber(ARGV[2]) then return 0 end
local n = tonumber(ARGV[4])
if n > 0 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], unpack(ARGV, 5, 4 + 2 * n)) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
if #ARGV >= 5 + 2 * n then redis.call('HDEL', KEYS[1], unpack(ARGV, 5 + 2 * n, #ARGV)) end
local ttl = tonumber(ARGV[3])
if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
return 1
`;

/** SHA-1 of {@link WRITE_SCRIPT}, as Redis names it for EVALSHA. */
export const WRITE_SCRIPT_SHA = createHash('sha1').update(WRITE_SCRIPT).digest('hex');

/** True for Redis' "NOSCRIPT No matching script" reply (the script cache was flushed or never filled). */
export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
