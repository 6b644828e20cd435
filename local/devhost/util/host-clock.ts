/**
 * The environment variable that makes the devhost's clock adjustable (test use only). Read from the real process
 * environment when the host starts, never from app settings: it is host configuration, not the app's.
 */
export const ADJUSTABLE_CLOCK_ENV = "DEVHOST_ADJUSTABLE_CLOCK";

/** How far the clock may be moved in total: far beyond any deadline, well inside what a Date can hold. */
export const MAX_CLOCK_OFFSET_MS = 100 * 366 * 24 * 60 * 60 * 1000;

export type HostClockErrorCode = "CLOCK_NOT_ADJUSTABLE" | "CLOCK_ADVANCE_INVALID" | "CLOCK_SETTING_INVALID";

export class HostClockError extends Error {
  constructor(
    readonly code: HostClockErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "HostClockError";
  }
}

/**
 * The devhost's one source of "now" for everything Durable and timer triggers see: orchestration episodes (so
 * `context.df.currentUtcDateTime`), durable timers, timer-trigger schedules and the instance rows' created/updated
 * times. It is the real time plus an offset that only moves forward, and only when the host was started with
 * DEVHOST_ADJUSTABLE_CLOCK=1, so that end-to-end tests can reach deadlines days away without sleeping.
 *
 * What deliberately stays on the real clock: log timestamps (invoke/logger.ts), invocation durations
 * (invoke/invoker.ts, performance.now), the checkpoint retry pause, the inbox rows' ordering keys
 * (orchestration-service.ts: they only order messages, and must keep their order across a restart without the
 * offset), and every other process of the local stack (Azurite, the ACR emulator, the identity endpoint) as well as
 * the app's own clock (src/composition/clock.ts).
 */
export class HostClock {
  readonly adjustable: boolean;
  readonly #realNow: () => number;
  readonly #listeners = new Set<() => void>();
  #offsetMs = 0;

  constructor(options: { adjustable: boolean; realNow?: () => number }) {
    this.adjustable = options.adjustable;
    this.#realNow = options.realNow ?? Date.now;
  }

  /** How far ahead of the real time this clock is (0 unless advanced). */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  nowMs(): number {
    return this.#realNow() + this.#offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /**
   * Moves the clock forward by `ms` and tells the listeners (timers re-arm with what is left). Refused when the clock
   * is not adjustable, for anything but a positive integer (the clock never goes backward: durable timers already
   * fired and stored timestamps must stay in the past), and beyond MAX_CLOCK_OFFSET_MS in total.
   */
  advance(ms: number): void {
    if (!this.adjustable) {
      throw new HostClockError(
        "CLOCK_NOT_ADJUSTABLE",
        `The host clock is not adjustable; start the devhost with ${ADJUSTABLE_CLOCK_ENV}=1.`,
      );
    }
    if (!Number.isSafeInteger(ms) || ms <= 0) {
      throw new HostClockError(
        "CLOCK_ADVANCE_INVALID",
        "advanceMs must be a positive integer number of milliseconds (the clock never goes backward).",
      );
    }
    if (this.#offsetMs + ms > MAX_CLOCK_OFFSET_MS) {
      throw new HostClockError(
        "CLOCK_ADVANCE_INVALID",
        `The clock may run at most ${MAX_CLOCK_OFFSET_MS} ms ahead of real time in total (now ${this.#offsetMs} ms).`,
      );
    }
    this.#offsetMs += ms;
    for (const listener of [...this.#listeners]) listener();
  }

  /** Calls `listener` after every advance (it must not throw); returns the function that unsubscribes it. */
  onAdvance(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/**
 * Whether DEVHOST_ADJUSTABLE_CLOCK asks for the adjustable clock: "1" or "true" turn it on; unset, "", "0" or
 * "false" leave it off. Anything else stops the host at start (a typo must not silently decide a test-only switch).
 */
export function adjustableClockFromEnv(env: NodeJS.ProcessEnv): boolean {
  const raw = env[ADJUSTABLE_CLOCK_ENV];
  if (raw === undefined) return false;
  const value = raw.trim().toLowerCase();
  if (value === "1" || value === "true") return true;
  if (value === "" || value === "0" || value === "false") return false;
  throw new HostClockError(
    "CLOCK_SETTING_INVALID",
    `${ADJUSTABLE_CLOCK_ENV} must be 1, true, 0 or false (got "${raw}").`,
  );
}
