import { InMemoryIdempotencyStore } from './in-memory-idempotency.store.js';

describe('InMemoryIdempotencyStore', () => {
  it('runs an effect once per (group, eventId) and reports duplicates', async () => {
    const sut = new InMemoryIdempotencyStore();
    let runs = 0;
    const effect = async () => ++runs;
    await expect(sut.runOnce('g', 'e1', effect)).resolves.toEqual({ duplicate: false, value: 1 });
    await expect(sut.runOnce('g', 'e1', effect)).resolves.toEqual({ duplicate: true });
    await expect(sut.runOnce('other-group', 'e1', effect)).resolves.toEqual({ duplicate: false, value: 2 });
    expect(runs).toBe(2);
  });

  it('does not record a failed effect, so a retry runs it again', async () => {
    const sut = new InMemoryIdempotencyStore();
    await expect(sut.runOnce('g', 'e', async () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    expect(sut.has('g', 'e')).toBe(false);
    await expect(sut.runOnce('g', 'e', async () => 'ok')).resolves.toEqual({ duplicate: false, value: 'ok' });
  });

  it('lets a concurrent duplicate wait for the first call and skip', async () => {
    const sut = new InMemoryIdempotencyStore();
    let runs = 0;
    const slow = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 20));
    };
    const results = await Promise.all([
      sut.runOnce('g', 'e', slow),
      sut.runOnce('g', 'e', slow),
      sut.runOnce('g', 'e', slow),
    ]);
    expect(runs).toBe(1);
    expect(results.filter((r) => r.duplicate)).toHaveLength(2);
  });

  it('evicts the oldest keys beyond maxEntries', async () => {
    const sut = new InMemoryIdempotencyStore(2);
    for (const id of ['a', 'b', 'c']) await sut.runOnce('g', id, async () => undefined);
    expect(sut.size).toBe(2);
    expect(sut.has('g', 'a')).toBe(false);
    expect(sut.has('g', 'c')).toBe(true);
  });
});
