/** setTimeout cannot wait longer than ~24.8 days; longer timers are re-armed in steps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * Durable timers on the wall clock: each fires once at its due time (immediately when already due, e.g. after a
 * restart) unless cancelled first. Keys identify timers so that cancelling or re-arming is idempotent.
 */
export class WallClockTimers {
  readonly #handles = new Map<string, NodeJS.Timeout>();

  schedule(key: string, dueAt: Date, onFire: () => void): void {
    if (this.#handles.has(key)) return;
    // Always asynchronous, even when already due, so firing never re-enters the caller.
    const arm = (): void => {
      const remaining = Math.max(0, dueAt.getTime() - Date.now());
      this.#handles.set(
        key,
        setTimeout(
          () => {
            if (dueAt.getTime() > Date.now()) {
              arm();
              return;
            }
            this.#handles.delete(key);
            onFire();
          },
          Math.min(remaining, MAX_TIMEOUT_MS),
        ),
      );
    };
    arm();
  }

  has(key: string): boolean {
    return this.#handles.has(key);
  }

  cancel(key: string): void {
    clearTimeout(this.#handles.get(key));
    this.#handles.delete(key);
  }

  /** Cancels every timer whose key starts with `prefix`. */
  cancelPrefix(prefix: string): void {
    for (const key of [...this.#handles.keys()]) if (key.startsWith(prefix)) this.cancel(key);
  }

  clear(): void {
    for (const handle of this.#handles.values()) clearTimeout(handle);
    this.#handles.clear();
  }

  get size(): number {
    return this.#handles.size;
  }
}
