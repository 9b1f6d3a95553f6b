// Integration: FeatureStore against the real Redis of the local stack, plus a private
// redis-server on a unix socket for the cold script cache (NOSCRIPT) path.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { type FeatureView, FeatureStore, FeatureStoreError, WRITE_SCRIPT_SHA } from '@mlops/feature-store';
import { config, connectRedis, deleteKeys, uniquePrefix } from './redis-test-helpers.js';

const PROFILE: FeatureView = {
  name: 'profile_v1',
  features: [
    { name: 'tenure', type: 'number' },
    { name: 'monthly_charges', type: 'number' },
    { name: 'contract', type: 'string' },
  ],
};
const SCORES: FeatureView = { name: 'scores_v1', features: [{ name: 'risk', type: 'number' }, { name: 'contract', type: 'string' }] };

let redis: Redis;
let prefix: string;
let store: FeatureStore;

beforeAll(async () => {
  redis = await connectRedis();
  prefix = uniquePrefix();
  store = new FeatureStore(redis, { keyPrefix: prefix, views: [PROFILE, SCORES], defaultView: PROFILE.name });
});

afterAll(async () => {
  await deleteKeys(redis, prefix);
  const left = await redis.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 1000);
  expect(left[1]).toEqual([]);
  redis.disconnect();
});

describe('FeatureStore on Redis: layout and reads', () => {
  it('writes one hash per customer with <view>:<feature> fields and _ts:<view>, values exact', async () => {
    expect(await store.storeFeatures('c-1', { tenure: 34, monthly_charges: 0.1 + 0.2, contract: 'One year' }, { eventTime: 1_700_000_000_123 })).toBe(true);
    expect(await redis.hgetall(`${prefix}c-1`)).toEqual({
      'profile_v1:tenure': '34',
      'profile_v1:monthly_charges': '0.30000000000000004',
      'profile_v1:contract': 'One year',
      '_ts:profile_v1': '1700000000123',
    });
    const row = await store.getFeatures('c-1', ['profile_v1:tenure', 'profile_v1:monthly_charges', 'profile_v1:contract']);
    expect(row).toEqual({
      customerId: 'c-1',
      found: true,
      values: { tenure: 34, monthly_charges: 0.1 + 0.2, contract: 'One year' },
      statuses: { tenure: 'present', monthly_charges: 'present', contract: 'present' },
      eventTimes: { profile_v1: 1_700_000_000_123 },
    });
  });

  it('a missing value is an absent field: status null while the view row exists, not_found without it', async () => {
    await store.storeFeatures('c-2', { tenure: 0, monthly_charges: null, contract: 'Month-to-month' }, { eventTime: new Date(1000) });
    expect(await redis.hexists(`${prefix}c-2`, 'profile_v1:monthly_charges')).toBe(0);
    // Every feature of every view: the bare name contract is in both views, so full names are needed.
    await expect(store.getFeatures('c-2')).rejects.toThrow("feature 'contract' is requested twice (or two views share the name); pass fullFeatureNames: true");
    const row = await store.getFeatures('c-2', undefined, { fullFeatureNames: true });
    expect(row.values).toEqual({
      'profile_v1:tenure': 0,
      'profile_v1:monthly_charges': null,
      'profile_v1:contract': 'Month-to-month',
      'scores_v1:risk': null,
      'scores_v1:contract': null,
    });
    expect(row.statuses).toEqual({
      'profile_v1:tenure': 'present',
      'profile_v1:monthly_charges': 'null',
      'profile_v1:contract': 'present',
      'scores_v1:risk': 'not_found',
      'scores_v1:contract': 'not_found',
    });
    expect(row.eventTimes).toEqual({ profile_v1: 1000, scores_v1: null });
  });

  it('an unknown customer gives found=false, every value null and every status not_found', async () => {
    const row = await store.getFeatures('nobody', ['profile_v1:tenure', 'scores_v1:risk']);
    expect(row).toEqual({
      customerId: 'nobody',
      found: false,
      values: { tenure: null, risk: null },
      statuses: { tenure: 'not_found', risk: 'not_found' },
      eventTimes: { profile_v1: null, scores_v1: null },
    });
  });

  it('getOnlineFeatures: one pipelined read for many entity rows, in order, with full names on request', async () => {
    await store.storeFeatures('c-3', { risk: 0.75, contract: 'Two year' }, { featureView: 'scores_v1', eventTime: 5 });
    const res = await store.getOnlineFeatures({
      features: ['profile_v1:contract', 'scores_v1:contract', 'scores_v1:risk'],
      entityRows: [{ customerId: 'c-3' }, { customerId: 'missing' }, { customerId: 'c-1' }],
      fullFeatureNames: true,
    });
    expect(res.featureNames).toEqual(['profile_v1:contract', 'scores_v1:contract', 'scores_v1:risk']);
    expect(res.rows.map((r) => r.found)).toEqual([true, false, true]);
    expect(res.rows[0]!.values).toEqual({ 'profile_v1:contract': null, 'scores_v1:contract': 'Two year', 'scores_v1:risk': 0.75 });
    expect(res.rows[0]!.statuses).toEqual({ 'profile_v1:contract': 'not_found', 'scores_v1:contract': 'present', 'scores_v1:risk': 'present' });
    expect(res.rows[2]!.values['profile_v1:contract']).toBe('One year');
    await expect(store.getOnlineFeatures({ features: ['profile_v1:contract', 'scores_v1:contract'], entityRows: [{ customerId: 'c-3' }] })).rejects.toThrow(
      "feature 'contract' is requested twice (or two views share the name); pass fullFeatureNames: true",
    );
    expect((await store.getOnlineFeatures({ entityRows: [], features: ['scores_v1:risk'] })).rows).toEqual([]);
  });
});

describe('FeatureStore on Redis: newer write wins, TTL, concurrency', () => {
  it('an older event time is ignored; an equal one replaces; a newer one replaces and deletes missing features', async () => {
    const key = `${prefix}ordered`;
    expect(await store.storeFeatures('ordered', { tenure: 10, monthly_charges: 50, contract: 'new' }, { eventTime: 2000 })).toBe(true);
    expect(await store.storeFeatures('ordered', { tenure: 1, monthly_charges: 1, contract: 'old' }, { eventTime: 1999 })).toBe(false);
    expect(await redis.hgetall(key)).toMatchObject({ 'profile_v1:contract': 'new', '_ts:profile_v1': '2000' });
    expect(await store.storeFeatures('ordered', { tenure: 11, monthly_charges: 51, contract: 'rerun' }, { eventTime: 2000 })).toBe(true);
    expect(await store.storeFeatures('ordered', { tenure: 12 }, { eventTime: 3000 })).toBe(true);
    expect(await redis.hgetall(key)).toEqual({ 'profile_v1:tenure': '12', '_ts:profile_v1': '3000' });
    // Views are independent: a scores write does not touch the profile row or its timestamp.
    expect(await store.storeFeatures('ordered', { risk: 1 }, { featureView: 'scores_v1', eventTime: 1 })).toBe(true);
    expect((await store.getFeatures('ordered', ['profile_v1:tenure', 'scores_v1:risk'])).values).toEqual({ tenure: 12, risk: 1 });
  });

  it('sets the TTL on the hash, refreshes it on an applied write, leaves it on an ignored one', async () => {
    const key = `${prefix}ttl`;
    await store.storeFeatures('ttl', { tenure: 1 }, { eventTime: 100, ttlSeconds: 50 });
    const first = await redis.ttl(key);
    expect(first).toBeGreaterThan(40);
    expect(first).toBeLessThanOrEqual(50);
    expect(await store.storeFeatures('ttl', { tenure: 2 }, { eventTime: 99, ttlSeconds: 5000 })).toBe(false);
    expect(await redis.ttl(key)).toBeLessThanOrEqual(50);
    await store.storeFeatures('ttl', { tenure: 3 }, { eventTime: 101, ttlSeconds: 5000 });
    expect(await redis.ttl(key)).toBeGreaterThan(4990);
    // The config's section: its TTL applies to writes that give none.
    const fromConfig = FeatureStore.fromConfig(redis, { ...config.features.online_store, key_prefix: prefix }, [
      { name: config.features.online_store.feature_view, features: [{ name: 'x', type: 'number' }] },
    ]);
    await fromConfig.storeFeatures('ttl-config', { x: 1 }, { eventTime: 1 });
    const ttl = await redis.ttl(`${prefix}ttl-config`);
    expect(ttl).toBeGreaterThan(config.features.online_store.ttl_seconds - 10);
    expect(ttl).toBeLessThanOrEqual(config.features.online_store.ttl_seconds);
    // ttlSeconds null: no expiry set.
    await store.storeFeatures('no-ttl', { tenure: 1 }, { eventTime: 1, ttlSeconds: null });
    expect(await redis.ttl(`${prefix}no-ttl`)).toBe(-1);
  });

  it('concurrent interleaved writers (two connections, shuffled event times) end with the newest row', async () => {
    const other = await connectRedis();
    try {
      const storeB = new FeatureStore(other, { keyPrefix: prefix, views: [PROFILE], defaultView: PROFILE.name });
      for (let round = 0; round < 5; round++) {
        const id = `race-${round}`;
        const times = Array.from({ length: 200 }, (_, i) => 1000 + i);
        for (let i = times.length - 1; i > 0; i--) {
          const j = (i * 7919 + round * 31) % (i + 1);
          [times[i], times[j]] = [times[j]!, times[i]!];
        }
        const results = await Promise.all(
          times.map((t, i) => (i % 2 === 0 ? store : storeB).storeFeatures(id, { tenure: t, monthly_charges: t / 7, contract: `t${t}` }, { eventTime: t })),
        );
        expect(results.filter(Boolean).length).toBeGreaterThanOrEqual(1);
        expect((await store.getFeatures(id, ['profile_v1:tenure', 'profile_v1:monthly_charges', 'profile_v1:contract'])).values).toEqual({
          tenure: 1199,
          monthly_charges: 1199 / 7,
          contract: 't1199',
        });
        expect(await redis.hget(`${prefix}${id}`, '_ts:profile_v1')).toBe('1199');
      }
    } finally {
      other.disconnect();
    }
  });

  it('storeMany: pipelined, counts applied and stale rows, keeps newer-wins within one batch', async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => ({ customerId: `bulk-${i}`, features: { tenure: i, contract: `c${i % 3}` }, eventTime: 10 }));
    expect(await store.storeMany(rows, { chunkSize: 1000 })).toEqual({ applied: 2500, stale: 0 });
    const older = rows.slice(0, 100).map((r) => ({ ...r, features: { tenure: -1 }, eventTime: 9 }));
    const newer = rows.slice(100, 150).map((r) => ({ ...r, features: { tenure: -2 }, eventTime: 11 }));
    expect(await store.storeMany([...older, ...newer, ...newer.map((r) => ({ ...r, features: { tenure: -3 }, eventTime: 10 }))])).toEqual({ applied: 50, stale: 150 });
    const res = await store.getOnlineFeatures({ features: ['profile_v1:tenure'], entityRows: [{ customerId: 'bulk-0' }, { customerId: 'bulk-120' }, { customerId: 'bulk-2499' }] });
    expect(res.rows.map((r) => r.values.tenure)).toEqual([0, -2, 2499]);
    await expect(store.storeMany([rows[0]!, { ...rows[1]!, features: { tenure: 'x' } }])).rejects.toThrow(
      `row 1 (customer "bulk-1"): feature 'tenure' is declared 'number' but got string "x"`,
    );
  });

  it('deleteCustomer removes every view of a customer', async () => {
    await store.storeFeatures('gone', { tenure: 1 }, { eventTime: 1 });
    expect(await store.deleteCustomer('gone')).toBe(true);
    expect((await store.getFeatures('gone', ['profile_v1:tenure'])).found).toBe(false);
    expect(await store.deleteCustomer('gone')).toBe(false);
  });
});

describe('FeatureStore: argument checks name the argument and the fix', () => {
  it('rejects unknown views and features, bad ids, event times, TTLs and conflicting views', async () => {
    await expect(store.storeFeatures('x', { tenur: 1 }, { eventTime: 1 })).rejects.toThrow(
      "feature 'tenur' is not in feature view 'profile_v1'; drop it or add it to the view (features: tenure, monthly_charges, contract)",
    );
    await expect(store.storeFeatures('x', {}, { featureView: 'nope', eventTime: 1 })).rejects.toThrow(
      "feature view 'nope' is not registered (known: profile_v1, scores_v1); register it with registerView() first",
    );
    await expect(store.storeFeatures('', {}, { eventTime: 1 })).rejects.toThrow('customerId must be a non-empty string, got ""');
    await expect(store.storeFeatures('x', {}, { eventTime: 1.5 })).rejects.toThrow('eventTime must be a valid Date or whole epoch milliseconds >= 0, got 1.5');
    await expect(store.storeFeatures('x', {}, { eventTime: new Date(NaN) })).rejects.toThrow('got an invalid Date');
    await expect(store.storeFeatures('x', {}, { eventTime: 1, ttlSeconds: 0 })).rejects.toThrow('ttlSeconds must be a positive whole number of seconds or null (no expiry), got 0');
    await expect(store.getFeatures('x', ['tenure'])).rejects.toThrow(`feature reference "tenure" must be 'view:feature'`);
    await expect(store.getFeatures('x', ['profile_v1:nope'])).rejects.toThrow("feature reference 'profile_v1:nope': view 'profile_v1' has no feature 'nope'");
    expect(() => store.registerView({ name: 'profile_v1', features: [{ name: 'tenure', type: 'string' }] })).toThrow(FeatureStoreError);
    expect(() => store.registerView(PROFILE)).not.toThrow();
    expect(await redis.exists(`${prefix}x`)).toBe(0);
  });
});

describe('FeatureStore: cold script cache (private redis-server)', () => {
  let server: ChildProcess | undefined;
  let dir: string;
  let socket: string;
  let cold: Redis;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fs-redis-'));
    socket = join(dir, 'redis.sock');
    server = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
    cold = new Redis({ path: socket, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    await cold.connect();
  });

  afterAll(async () => {
    cold.disconnect();
    if (server?.pid !== undefined) {
      const exited = new Promise((r) => server!.once('exit', r));
      process.kill(server.pid, 'SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('EVALSHA falls back to SCRIPT LOAD on NOSCRIPT, for single writes and for pipelines', async () => {
    const s = new FeatureStore(cold, { keyPrefix: 'c:', views: [PROFILE], defaultView: PROFILE.name });
    expect(await cold.script('EXISTS', WRITE_SCRIPT_SHA)).toEqual([0]);
    expect(await s.storeFeatures('a', { tenure: 1 }, { eventTime: 1 })).toBe(true);
    expect(await cold.script('EXISTS', WRITE_SCRIPT_SHA)).toEqual([1]);
    await cold.script('FLUSH');
    const rows = Array.from({ length: 300 }, (_, i) => ({ customerId: `b${i}`, features: { tenure: i }, eventTime: 1 }));
    expect(await s.storeMany(rows, { chunkSize: 128 })).toEqual({ applied: 300, stale: 0 });
    expect(await cold.dbsize()).toBe(301);
    expect((await s.getFeatures('b299', ['profile_v1:tenure'])).values.tenure).toBe(299);
  });
});
