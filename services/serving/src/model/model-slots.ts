import type { ServedModel } from './served-model.js';

/** The slots a request can be answered from. */
export type Slot = 'champion' | 'challenger' | 'shadow';

/** Every model serving holds, as one immutable value: a request reads it once and uses that. */
export interface ModelSnapshot {
  readonly champion: ServedModel | undefined;
  readonly challenger: ServedModel | undefined;
  readonly shadow: ServedModel | undefined;
  /** Increments on every swap. */
  readonly generation: number;
}

/**
 * The current {@link ModelSnapshot}. `swap` publishes a new snapshot in one assignment, so a
 * request that read the old one keeps a consistent set of sessions to the end (no mixed versions),
 * and the next request sees the new one. A replaced session is released after `releaseDelayMs`, when
 * the requests that read it are long finished.
 */
export class ModelSlots {
  private current: ModelSnapshot = Object.freeze({ champion: undefined, challenger: undefined, shadow: undefined, generation: 0 });
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly releaseDelayMs = 30_000) {}

  get snapshot(): ModelSnapshot {
    return this.current;
  }

  /** Puts `model` (already fully loaded) in `slot`; returns the model it replaced. */
  swap(slot: Slot, model: ServedModel | undefined): ServedModel | undefined {
    const old = this.current[slot];
    this.current = Object.freeze({ ...this.current, [slot]: model, generation: this.current.generation + 1 });
    if (old !== undefined && old !== model && !this.holds(old)) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        void old.release().catch(() => undefined);
      }, this.releaseDelayMs);
      t.unref();
      this.timers.add(t);
    }
    return old;
  }

  private holds(m: ServedModel): boolean {
    const s = this.current;
    return s.champion === m || s.challenger === m || s.shadow === m;
  }

  /** Releases every session now (shutdown). */
  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const s = this.current;
    const all = new Set([s.champion, s.challenger, s.shadow].filter((m): m is ServedModel => m !== undefined));
    this.current = Object.freeze({ champion: undefined, challenger: undefined, shadow: undefined, generation: s.generation + 1 });
    await Promise.all([...all].map((m) => m.release().catch(() => undefined)));
  }
}
