import type { RegisteredFunction } from "../app/registry.js";
import { resolveSettingReferences } from "../config/settings.js";
import type { InvocationOutcome, Invoker } from "../invoke/invoker.js";
import type { HostLogger } from "../invoke/logger.js";
import type { HostClock } from "../util/host-clock.js";
import { parseSchedule, type TimerSchedule } from "./schedule.js";
import type { ScheduleStatus, ScheduleStatusStore } from "./schedule-status-store.js";
import { timerTriggerData } from "./timer-info.js";

/** setTimeout cannot wait longer than this; longer waits are re-armed in steps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

interface TimerEntry {
  fn: RegisteredFunction;
  schedule: TimerSchedule;
  runOnStartup: boolean;
  handle?: NodeJS.Timeout;
  /** Set while the entry waits for its next occurrence: waits again for what is left (after the clock moved). */
  rewait?: () => void;
  running?: Promise<unknown>;
}

/**
 * Runs timer-triggered functions on their schedules. Like the host's timer listener it invokes a function that missed
 * an occurrence while the host was down once at start with isPastDue = true, honours runOnStartup, never overlaps two
 * runs of one function, and records Last/Next in the schedule status store before each run. Schedules follow the host
 * clock: when an adjustable clock moves forward, a timer whose next occurrence is now due runs once at once (like a
 * host that was suspended over several occurrences), then waits for the occurrence after the new time.
 */
export class TimerScheduler {
  readonly #entries: TimerEntry[];
  readonly #invoker: Invoker;
  readonly #store: ScheduleStatusStore;
  readonly #logger: HostLogger;
  readonly #clock: HostClock;
  #unsubscribe: (() => void) | undefined;
  #stopped = false;

  constructor(
    functions: RegisteredFunction[],
    invoker: Invoker,
    store: ScheduleStatusStore,
    logger: HostLogger,
    clock: HostClock,
  ) {
    this.#clock = clock;
    this.#invoker = invoker;
    this.#store = store;
    this.#logger = logger;
    this.#entries = functions.map((fn) => {
      const raw = fn.trigger.schedule;
      if (typeof raw !== "string" || raw.trim() === "") throw new Error(`Timer function "${fn.name}" has no schedule.`);
      const expression = resolveSettingReferences(raw, `Timer function "${fn.name}" schedule`);
      let schedule: TimerSchedule;
      try {
        schedule = parseSchedule(expression);
      } catch (error) {
        throw new Error(`Timer function "${fn.name}": ${(error as Error).message}`);
      }
      return { fn, schedule, runOnStartup: fn.trigger.runOnStartup === true };
    });
  }

  async start(): Promise<void> {
    this.#unsubscribe = this.#clock.onAdvance(() => this.#rewaitAll());
    for (const entry of this.#entries) {
      const status = await this.#store.read(entry.fn.name);
      const now = this.#clock.now();
      const missed = status !== undefined && Date.parse(status.Next) < now.getTime();
      this.#logger.info(
        "Host.Timers",
        `Timer '${entry.fn.name}' (${entry.schedule.expression}): next run ${entry.schedule.next(now).toISOString()}${missed ? ", past due" : ""}`,
      );
      if (missed || entry.runOnStartup) {
        entry.running = this.#runScheduled(
          entry,
          missed,
          missed ? "Timer fired after being past due" : "Timer run on startup",
        );
        void entry.running.then(() => this.#arm(entry));
      } else {
        this.#arm(entry);
      }
    }
  }

  /** Runs a timer function now (the admin API); the schedule is not moved. */
  runNow(fn: RegisteredFunction): Promise<InvocationOutcome> {
    return this.#invoker.invoke({
      fn,
      trigger: timerTriggerData(undefined, false),
      reason: "This function was programmatically called via the host APIs.",
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    for (const entry of this.#entries) clearTimeout(entry.handle);
    await Promise.allSettled(this.#entries.map((e) => e.running));
  }

  #arm(entry: TimerEntry): void {
    if (this.#stopped) return;
    const due = entry.schedule.next(this.#clock.now());
    const wait = (): void => {
      entry.rewait = undefined;
      if (this.#stopped) return;
      const remaining = due.getTime() - this.#clock.nowMs();
      if (remaining > 0) {
        entry.handle = setTimeout(wait, Math.min(remaining, MAX_TIMEOUT_MS));
        entry.rewait = wait;
        return;
      }
      entry.running = this.#runScheduled(entry, false, "Timer fired");
      void entry.running.then(() => this.#arm(entry));
    };
    wait();
  }

  /** The clock moved forward: every waiting timer waits only for what is left (a due one runs now). */
  #rewaitAll(): void {
    for (const entry of this.#entries) {
      const rewait = entry.rewait;
      if (!rewait) continue;
      clearTimeout(entry.handle);
      rewait();
    }
  }

  async #runScheduled(entry: TimerEntry, isPastDue: boolean, reason: string): Promise<void> {
    if (this.#stopped) return;
    const now = this.#clock.now();
    const status: ScheduleStatus = {
      Last: now.toISOString(),
      Next: entry.schedule.next(now).toISOString(),
      LastUpdated: now.toISOString(),
    };
    try {
      await this.#store.write(entry.fn.name, status);
    } catch (error) {
      this.#logger.warn(
        "Host.Timers",
        `Could not record the schedule status of '${entry.fn.name}': ${(error as Error).message}`,
      );
    }
    await this.#invoker.invoke({ fn: entry.fn, trigger: timerTriggerData(status, isPastDue), reason });
  }
}
