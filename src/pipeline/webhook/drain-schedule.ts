/**
 * When the process drains the webhook inbox after deliveries: once deliveries have paused for `quietMs` and none is
 * still being committed (a burst is answered first, then its pipelines start), and never later than `maxDelayMs`
 * after the first delivery that is not drained yet (a steady stream still starts its pipelines). One drain runs at a
 * time; deliveries during a drain ask for another after it.
 *
 * "None still being committed" matters under a burst: deliveries are committed in groups, so when one group commit
 * takes longer than `quietMs` (storage busy), no delivery finishes for a while although hundreds wait. Counting only
 * finished deliveries, the drain then started in the middle of the burst and its pipeline starts delayed the last
 * answers (900 at once: p99 about 2.7 s in one run in ten instead of about 1 s).
 *
 * This is only the fast path. Work after an HTTP answer is not guaranteed to run on a scaled-in instance, so the
 * inboxDrain timer drains whatever is left (the inbox is durable; only the start is later).
 */
export class DrainSchedule {
  private timer: NodeJS.Timeout | undefined;
  private firstKickAt: number | undefined;
  private lastKickAt = 0;
  /** Deliveries whose commit is under way (keep()). */
  private keeping = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private drain: (() => Promise<unknown>) | undefined;

  constructor(
    private readonly quietMs = 50,
    private readonly maxDelayMs = 5000,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Runs one delivery's commit: while any is under way, no drain starts (until `maxDelayMs` after the first kick). */
  async keep<T>(commit: () => Promise<T>): Promise<T> {
    this.keeping += 1;
    try {
      return await commit();
    } finally {
      this.keeping -= 1;
    }
  }

  /** A delivery was committed; `drain` is how to drain now (it carries the latest invocation's durable client). */
  kick(drain: () => Promise<unknown>): void {
    this.drain = drain;
    if (this.running) {
      this.again = true;
      return;
    }
    const now = Date.now();
    this.firstKickAt ??= now;
    this.lastKickAt = now;
    // One timer for a whole burst: a kick only moves the deadline, and the timer, when it fires early, waits for the
    // rest (a timer set and cleared per delivery was a visible part of the webhook's CPU under a burst).
    this.timer ??= this.arm(now);
  }

  /** When to drain: `quietMs` after the last kick, but no later than `maxDelayMs` after the first. */
  private due(): number {
    return Math.min(this.lastKickAt + this.quietMs, (this.firstKickAt ?? this.lastKickAt) + this.maxDelayMs);
  }

  private arm(now: number, at = this.due()): NodeJS.Timeout {
    const timer = setTimeout(() => this.fire(), Math.max(0, at - now));
    timer.unref();
    return timer;
  }

  private fire(): void {
    const now = Date.now();
    // Deliveries still being committed: look again a quiet period later, but never past the bound.
    const at =
      this.keeping > 0
        ? Math.min(Math.max(this.due(), now + this.quietMs), (this.firstKickAt ?? now) + this.maxDelayMs)
        : this.due();
    if (now < at) {
      this.timer = this.arm(now, at);
      return;
    }
    this.timer = undefined;
    this.run();
  }

  private run(): void {
    this.firstKickAt = undefined;
    const drain = this.drain;
    if (!drain) return;
    this.running = drain()
      .then(
        () => undefined,
        (error: unknown) => this.onError(error),
      )
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick(this.drain ?? drain);
        }
      });
  }
}
