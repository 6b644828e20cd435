import { describe, expect, it } from "vitest";
import { WallClockTimers } from "../../../local/devhost/durable/runtime/wall-clock-timers.js";
import {
  adjustableClockFromEnv,
  HostClock,
  HostClockError,
  MAX_CLOCK_OFFSET_MS,
} from "../../../local/devhost/util/host-clock.js";

const DAY_MS = 24 * 60 * 60 * 1000;

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof HostClockError ? error.code : `not a HostClockError: ${String(error)}`;
  }
}

/** Resolves true when `fired` flips within `ms` of real time, false otherwise (bounded, no open-ended sleep). */
async function firesWithin(fired: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (fired()) return true;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return fired();
}

describe("HostClock", () => {
  it("is the real time plus an offset that only advance() moves, forward", () => {
    let real = Date.parse("2025-03-01T00:00:00Z");
    const clock = new HostClock({ adjustable: true, realNow: () => real });
    expect(clock.now().toISOString()).toBe("2025-03-01T00:00:00.000Z");
    clock.advance(2 * DAY_MS);
    expect(clock.offsetMs).toBe(2 * DAY_MS);
    expect(clock.now().toISOString()).toBe("2025-03-03T00:00:00.000Z");
    real += 1_000;
    expect(clock.now().toISOString()).toBe("2025-03-03T00:00:01.000Z");
  });

  it("refuses to move backward, by nothing, by fractions, non-numbers and past the total limit", () => {
    const clock = new HostClock({ adjustable: true });
    for (const bad of [0, -1, -DAY_MS, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 2])
      expect(codeOf(() => clock.advance(bad))).toBe("CLOCK_ADVANCE_INVALID");
    expect(clock.offsetMs).toBe(0);
    clock.advance(MAX_CLOCK_OFFSET_MS);
    expect(codeOf(() => clock.advance(1))).toBe("CLOCK_ADVANCE_INVALID");
    expect(clock.offsetMs).toBe(MAX_CLOCK_OFFSET_MS);
  });

  it("cannot be moved at all unless adjustable, and then follows the real time exactly", () => {
    const clock = new HostClock({ adjustable: false });
    expect(codeOf(() => clock.advance(1_000))).toBe("CLOCK_NOT_ADJUSTABLE");
    expect(clock.offsetMs).toBe(0);
    const before = Date.now();
    const now = clock.nowMs();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it("tells its listeners after each advance until they unsubscribe", () => {
    const clock = new HostClock({ adjustable: true });
    const seen: number[] = [];
    const unsubscribe = clock.onAdvance(() => seen.push(clock.offsetMs));
    clock.advance(10);
    clock.advance(5);
    unsubscribe();
    clock.advance(1);
    expect(seen).toEqual([10, 15]);
  });

  it("is turned on by DEVHOST_ADJUSTABLE_CLOCK=1 or true only; a value it does not know stops the host", () => {
    expect(adjustableClockFromEnv({})).toBe(false);
    for (const off of ["", "0", "false", " FALSE "])
      expect(adjustableClockFromEnv({ DEVHOST_ADJUSTABLE_CLOCK: off })).toBe(false);
    for (const on of ["1", "true", "True"]) expect(adjustableClockFromEnv({ DEVHOST_ADJUSTABLE_CLOCK: on })).toBe(true);
    for (const typo of ["yes", "on", "2"])
      expect(codeOf(() => adjustableClockFromEnv({ DEVHOST_ADJUSTABLE_CLOCK: typo }))).toBe("CLOCK_SETTING_INVALID");
  });
});

describe("durable timers on the host clock", () => {
  it("fire as soon as an advance makes them due, and only those", async () => {
    const clock = new HostClock({ adjustable: true });
    const timers = new WallClockTimers(clock);
    const fired: string[] = [];
    const now = clock.nowMs();
    timers.schedule("two-days", new Date(now + 2 * DAY_MS), () => fired.push("two-days"));
    timers.schedule("three-days", new Date(now + 3 * DAY_MS), () => fired.push("three-days"));
    try {
      expect(await firesWithin(() => fired.length > 0, 50)).toBe(false);
      clock.advance(2 * DAY_MS);
      expect(await firesWithin(() => fired.includes("two-days"), 1_000)).toBe(true);
      expect(await firesWithin(() => fired.includes("three-days"), 50)).toBe(false);
      expect(timers.size).toBe(1);
      clock.advance(DAY_MS);
      expect(await firesWithin(() => fired.includes("three-days"), 1_000)).toBe(true);
      expect(fired).toEqual(["two-days", "three-days"]);
      expect(timers.size).toBe(0);
    } finally {
      timers.clear();
    }
  });

  it("never fire once cancelled, even when an advance passes their due time", async () => {
    const clock = new HostClock({ adjustable: true });
    const timers = new WallClockTimers(clock);
    let fired = false;
    timers.schedule("cancelled", new Date(clock.nowMs() + DAY_MS), () => (fired = true));
    timers.cancel("cancelled");
    clock.advance(2 * DAY_MS);
    expect(await firesWithin(() => fired, 100)).toBe(false);
    expect(timers.has("cancelled")).toBe(false);
  });

  it("schedule each key once: a second schedule of a waiting key neither replaces nor doubles it", async () => {
    const clock = new HostClock({ adjustable: true });
    const timers = new WallClockTimers(clock);
    const fired: string[] = [];
    timers.schedule("k", new Date(clock.nowMs() + DAY_MS), () => fired.push("first"));
    timers.schedule("k", new Date(clock.nowMs()), () => fired.push("second"));
    clock.advance(DAY_MS);
    expect(await firesWithin(() => fired.length > 0, 1_000)).toBe(true);
    expect(await firesWithin(() => fired.length > 1, 50)).toBe(false);
    expect(fired).toEqual(["first"]);
  });
});
