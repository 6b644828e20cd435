import type { HostClock } from "../../util/host-clock.js";

/** setTimeout cannot wait longer than ~24.8 days; longer timers are re-armed in steps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

interface ArmedTimer {
  dueAt: Date;
  onFire: () => void;
  handle: NodeJS.Timeout;
}

/**
 * Durable timers on the host clock: each fires once at its due time (immediately when already due, e.g. after a
 * restart) unless cancelled first. Keys identify timers so that cancelling or re-arming is idempotent. When the
 * (adjustable) host clock moves forward every timer waits only for what is left, so those now due fire at once.
 */
export class WallClockTimers {
  readonly #clock: HostClock;
  readonly #timers = new Map<string, ArmedTimer>();

  constructor(clock: HostClock) {
    this.#clock = clock;
    clock.onAdvance(() => this.#rearmAll());
  }

  schedule(key: string, dueAt: Date, onFire: () => void): void {
    if (this.#timers.has(key)) return;
    this.#arm(key, dueAt, onFire);
  }

  has(key: string): boolean {
    return this.#timers.has(key);
  }

  cancel(key: string): void {
    clearTimeout(this.#timers.get(key)?.handle);
    this.#timers.delete(key);
  }

  /** Cancels every timer whose key starts with `prefix`. */
  cancelPrefix(prefix: string): void {
    for (const key of [...this.#timers.keys()]) if (key.startsWith(prefix)) this.cancel(key);
  }

  clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer.handle);
    this.#timers.clear();
  }

  get size(): number {
    return this.#timers.size;
  }

  // Always asynchronous, even when already due, so firing never re-enters the caller.
  #arm(key: string, dueAt: Date, onFire: () => void): void {
    const remaining = Math.max(0, dueAt.getTime() - this.#clock.nowMs());
    const handle = setTimeout(
      () => {
        // setTimeout may wake a little early, and a long wait comes in steps: check against the clock itself.
        if (dueAt.getTime() > this.#clock.nowMs()) {
          this.#arm(key, dueAt, onFire);
          return;
        }
        this.#timers.delete(key);
        onFire();
      },
      Math.min(remaining, MAX_TIMEOUT_MS),
    );
    this.#timers.set(key, { dueAt, onFire, handle });
  }

  #rearmAll(): void {
    for (const [key, timer] of [...this.#timers]) {
      clearTimeout(timer.handle);
      this.#arm(key, timer.dueAt, timer.onFire);
    }
  }
}
