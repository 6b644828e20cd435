import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DrainSchedule } from "../../../src/pipeline/webhook/drain-schedule.js";

describe("when a process drains the webhook inbox", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("waits for deliveries to pause, then drains once", async () => {
    const schedule = new DrainSchedule(50, 1000);
    const drain = vi.fn(async () => undefined);
    for (let i = 0; i < 10; i++) {
      schedule.kick(drain);
      await vi.advanceTimersByTimeAsync(20);
    }
    expect(drain).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(50);
    expect(drain).toHaveBeenCalledTimes(1);
  });

  it("a burst of deliveries arms one timer, not one per delivery", async () => {
    const schedule = new DrainSchedule(50, 1000);
    const drain = vi.fn(async () => undefined);
    const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
    for (let i = 0; i < 100; i++) schedule.kick(drain);
    expect(setTimeoutSpy).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(50);
    expect(drain).toHaveBeenCalledTimes(1);
    setTimeoutSpy.mockRestore();
  });

  it("a steady stream still drains, at most maxDelay after the first delivery not drained", async () => {
    const schedule = new DrainSchedule(50, 300);
    const drain = vi.fn(async () => undefined);
    for (let i = 0; i < 20; i++) {
      schedule.kick(drain);
      await vi.advanceTimersByTimeAsync(20);
    }
    // 400 ms of deliveries 20 ms apart: never quiet for 50 ms, drained by the 300 ms bound.
    expect(drain).toHaveBeenCalledTimes(1);
  });

  it("holds the drain back while deliveries are still being committed, as when a group commit is slow", async () => {
    const schedule = new DrainSchedule(50, 1000);
    const drain = vi.fn(async () => undefined);
    schedule.kick(drain);
    let commitDone!: () => void;
    const commit = schedule.keep(() => new Promise<void>((resolve) => (commitDone = resolve)));
    // 300 ms without a finished delivery: quiet by the kicks, but a commit is still under way.
    await vi.advanceTimersByTimeAsync(300);
    expect(drain).not.toHaveBeenCalled();
    commitDone();
    await commit;
    schedule.kick(drain);
    await vi.advanceTimersByTimeAsync(50);
    expect(drain).toHaveBeenCalledTimes(1);
  });

  it("a commit that never ends delays the drain only up to maxDelay; a failed one holds nothing back", async () => {
    const schedule = new DrainSchedule(50, 1000);
    const drain = vi.fn(async () => undefined);
    schedule.kick(drain);
    void schedule.keep(() => new Promise<void>(() => undefined));
    await vi.advanceTimersByTimeAsync(999);
    expect(drain).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(60);
    expect(drain).toHaveBeenCalledTimes(1);

    const other = new DrainSchedule(50, 1000);
    const otherDrain = vi.fn(async () => undefined);
    other.kick(otherDrain);
    await expect(other.keep(() => Promise.reject(new Error("storage down")))).rejects.toThrow("storage down");
    await vi.advanceTimersByTimeAsync(50);
    expect(otherDrain).toHaveBeenCalledTimes(1);
  });

  it("one drain at a time; deliveries during a drain ask for one more after it, with the latest drain", async () => {
    const schedule = new DrainSchedule(10, 100);
    let finish!: () => void;
    const first = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const latest = vi.fn(async () => undefined);
    schedule.kick(first);
    await vi.advanceTimersByTimeAsync(10);
    expect(first).toHaveBeenCalledTimes(1);
    schedule.kick(first);
    schedule.kick(latest);
    await vi.advanceTimersByTimeAsync(100);
    expect(first).toHaveBeenCalledTimes(1);
    finish();
    await vi.advanceTimersByTimeAsync(20);
    expect(latest).toHaveBeenCalledTimes(1);
    expect(first).toHaveBeenCalledTimes(1);
  });

  it("a drain that fails is reported, and the next delivery drains again", async () => {
    const errors: unknown[] = [];
    const schedule = new DrainSchedule(10, 100, (error) => errors.push(error));
    const drain = vi.fn(async () => {
      throw new Error("storage down");
    });
    schedule.kick(drain);
    await vi.advanceTimersByTimeAsync(10);
    expect(errors).toHaveLength(1);
    schedule.kick(drain);
    await vi.advanceTimersByTimeAsync(10);
    expect(drain).toHaveBeenCalledTimes(2);
  });
});
