/** A value with the times its issuer stated (epoch milliseconds). */
export interface Expiring<T> {
  value: T;
  /** When the value stops being valid; undefined means "unknown": use it for the request at hand only. */
  expiresAt: number | undefined;
  /** When it was issued (the token's iat, or the time it was fetched). */
  issuedAt: number;
}

export interface ExpiringCacheOptions {
  /** Stop using a value this long before it expires (ACR's SDKs use five minutes). */
  refreshMarginMs: number;
  now: () => number;
  /** Above this many entries, expired ones are dropped and then the oldest. */
  maxEntries?: number;
}

interface Entry<T> {
  value: T;
  usableUntil: number;
}

/**
 * Caches values (tokens) by key until shortly before they expire, and makes concurrent callers for the same key share
 * one load. The margin is the configured one, but never more than half the value's lifetime, so that short-lived
 * tokens (tests, or a registry that issues them) are still reused instead of being fetched for every request.
 */
export class ExpiringCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly loading = new Map<string, Promise<T>>();
  private readonly maxEntries: number;

  constructor(private readonly options: ExpiringCacheOptions) {
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** The cached value if it is still usable, else the result of `load` (shared with concurrent callers). */
  get(key: string, load: () => Promise<Expiring<T>>): Promise<T> {
    const entry = this.entries.get(key);
    if (entry && this.options.now() < entry.usableUntil) return Promise.resolve(entry.value);
    const pending = this.loading.get(key);
    if (pending) return pending;
    const started = this.load(key, load);
    this.loading.set(key, started);
    return started;
  }

  /** Whether a usable value is cached under `key`. */
  has(key: string): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && this.options.now() < entry.usableUntil;
  }

  /** Stores a value loaded elsewhere (e.g. one token that covers several keys). */
  put(key: string, loaded: Expiring<T>): void {
    const usableUntil = this.usableUntil(loaded);
    if (usableUntil === undefined) return;
    this.entries.set(key, { value: loaded.value, usableUntil });
    this.evict();
  }

  /** Drops the entry, but only if it still holds `value` (a fresher value another caller fetched is kept). */
  invalidate(key: string, value?: T): void {
    const entry = this.entries.get(key);
    if (entry && (value === undefined || entry.value === value)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private async load(key: string, load: () => Promise<Expiring<T>>): Promise<T> {
    try {
      const loaded = await load();
      const usableUntil = this.usableUntil(loaded);
      this.entries.delete(key);
      if (usableUntil !== undefined) {
        this.entries.set(key, { value: loaded.value, usableUntil });
        this.evict();
      }
      return loaded.value;
    } finally {
      this.loading.delete(key);
    }
  }

  private usableUntil(loaded: Expiring<T>): number | undefined {
    if (loaded.expiresAt === undefined) return undefined;
    const lifetime = Math.max(0, loaded.expiresAt - loaded.issuedAt);
    const margin = Math.min(this.options.refreshMarginMs, lifetime / 2);
    return loaded.expiresAt - margin;
  }

  private evict(): void {
    if (this.entries.size <= this.maxEntries) return;
    const now = this.options.now();
    for (const [key, entry] of this.entries) if (entry.usableUntil <= now) this.entries.delete(key);
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}
