import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import { describe, expect, it } from "vitest";
import { EventType } from "../../../local/devhost/durable/replay/history.js";
import { registerOrchestrator, ReplayDriver } from "../../support/durable/replay-driver.js";

const retryEngine = registerOrchestrator("retryFanOut", function* (context: OrchestrationContext) {
  const options = new df.RetryOptions(100, 4);
  const tasks = ["a", "b", "c"].map((key) => context.df.callActivityWithRetry("flaky", options, key));
  const values: string[] = yield context.df.Task.all(tasks);
  const after: string = yield context.df.callActivity("echo", "after");
  return [...values, after];
});

const raceEngine = registerOrchestrator("raceWithRetry", function* (context: OrchestrationContext) {
  const retried = context.df.callActivityWithRetry("flaky", new df.RetryOptions(100, 5), "slow");
  const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 60_000));
  const first = yield context.df.Task.any([retried, timer]);
  const meanwhile: string = yield context.df.callActivity("echo", first === timer ? "timer won" : "retry won");
  const late: string = yield retried;
  return [meanwhile, late];
});

const interleaveEngine = registerOrchestrator("interleave", function* (context: OrchestrationContext) {
  const quick = context.df.callActivity("echo", "quick");
  const retried = context.df.callActivityWithRetry("flaky", new df.RetryOptions(100, 4), "x");
  yield context.df.Task.any([quick, retried]);
  const next: string = yield context.df.callActivity("echo", "next");
  const late: string = yield retried;
  return [quick.result, next, late];
});

const eventsEngine = registerOrchestrator("events", function* (context: OrchestrationContext) {
  context.df.setCustomStatus("waiting");
  const a: unknown = yield context.df.waitForExternalEvent("A");
  const b: unknown = yield context.df.waitForExternalEvent("B");
  return [a, b];
});

const cancelEngine = registerOrchestrator("cancel", function* (context: OrchestrationContext) {
  const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 3_600_000));
  const event = context.df.waitForExternalEvent("Go");
  const winner = yield context.df.Task.any([event, timer]);
  if (winner === event) timer.cancel();
  return winner === event ? "event" : "timer";
});

const continueEngine = registerOrchestrator("loop", function* (context: OrchestrationContext) {
  const n = context.df.getInput<number>()!;
  yield context.df.callActivity("echo", n);
  if (n < 2) context.df.continueAsNew(n + 1);
  return n;
});

const entityEngine = registerOrchestrator("usesEntity", function* (context: OrchestrationContext) {
  yield context.df.callEntity(new df.EntityId("counter", "k"), "add", 1);
  return "unreachable";
});

const activities = {
  echo: (input: unknown) => input,
  /** Fails twice per key before succeeding; key "slow" fails four times. */
  flaky: (input: unknown, attempt: number) => {
    const failures = input === "slow" ? 4 : 2;
    if (attempt <= failures) throw new Error(`${String(input)} failed attempt ${attempt}`);
    return `${String(input)} ok after ${attempt}`;
  },
};

describe("devhost episodes against the real durable-functions replay engine", () => {
  it("numbers retry timers and attempts of parallel retrying activities like the engine, even when results arrive interleaved", async () => {
    const driver = new ReplayDriver(retryEngine, "retryFanOut", undefined, activities);
    await driver.episode();
    // Deliver results in reverse scheduling order every round, so failures and successes interleave.
    for (let round = 0; round < 30 && driver.last!.runtimeStatus === "Running"; round++) {
      if (driver.pending.length === 0) driver.completeOutstanding({ order: (ids) => [...ids].reverse() });
      await driver.episode();
    }
    expect(driver.last!.runtimeStatus).toBe("Completed");
    expect(JSON.parse(driver.last!.output!)).toEqual(["a ok after 3", "b ok after 3", "c ok after 3", "after"]);
    const scheduled = driver.state.events.filter((e) => e.event.EventType === EventType.TaskScheduled);
    expect(scheduled.filter((e) => e.event.Name === "flaky")).toHaveLength(9);
    const ids = driver.state.events.filter((e) => e.event.EventId >= 0).map((e) => e.event.EventId);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids.map((_v, i) => i));
  });

  it("splits a delivery where a result that resumes the orchestrator precedes a retry failure", async () => {
    const driver = new ReplayDriver(interleaveEngine, "interleave", undefined, activities);
    await driver.episode();
    // Both results arrive together: "quick" resumes the orchestrator (which schedules "next"), the flaky failure
    // makes the engine take a number for its retry timer. Numbered in one episode, these would collide.
    driver.completeOutstanding();
    expect(driver.pending.map((m) => m.kind)).toEqual(["TaskCompleted", "TaskFailed"]);
    await driver.episode();
    expect(driver.pending.map((m) => m.kind)).toEqual(["TaskFailed"]);
    const final = await driver.run();
    expect(final.runtimeStatus).toBe("Completed");
    expect(JSON.parse(final.output!)).toEqual(["quick", "next", "x ok after 3"]);
  });

  it("keeps numbering right when a retry chain continues after Task.any moved on", async () => {
    const driver = new ReplayDriver(raceEngine, "raceWithRetry", undefined, activities);
    await driver.episode();
    // Fail the first attempt, then let the 60-second timer win while the retry chain is still going.
    driver.completeOutstanding({ fireTimers: false });
    await driver.episode();
    const raceTimer = driver.state
      .outstanding()
      .find((w): w is Extract<typeof w, { kind: "timer" }> => w.kind === "timer" && w.chain === undefined)!;
    driver.pending.push({ kind: "TimerFired", timerId: raceTimer.id, fireAt: raceTimer.fireAt });
    await driver.episode();
    const final = await driver.run();
    expect(final.runtimeStatus).toBe("Completed");
    expect(JSON.parse(final.output!)).toEqual(["timer won", "slow ok after 5"]);
  });

  it("buffers events raised before the orchestrator waits and reports custom status", async () => {
    const driver = new ReplayDriver(eventsEngine, "events", undefined, activities);
    const first = await driver.episode();
    expect(first.runtimeStatus).toBe("Running");
    expect(first.customStatus).toBe('"waiting"');
    // B arrives before A although the orchestrator waits for A first; a redelivered A (same message id) is dropped.
    driver.pending.push({ kind: "EventRaised", name: "B", input: '"second"', messageId: "m1" });
    driver.pending.push({ kind: "EventRaised", name: "A", input: '"first"', messageId: "m2" });
    driver.pending.push({ kind: "EventRaised", name: "A", input: '"duplicate delivery"', messageId: "m2" });
    const done = await driver.episode();
    expect(done.runtimeStatus).toBe("Completed");
    expect(JSON.parse(done.output!)).toEqual(["first", "second"]);
    expect(driver.state.events.filter((e) => e.event.EventType === EventType.EventRaised)).toHaveLength(2);
  });

  it("records a timer that lost Task.any as cancelled, so it is no longer outstanding", async () => {
    const driver = new ReplayDriver(cancelEngine, "cancel", undefined, activities);
    await driver.episode();
    expect(driver.state.outstanding().map((w) => w.kind)).toEqual(["timer"]);
    driver.pending.push({ kind: "EventRaised", name: "Go", input: "true", messageId: "go" });
    const done = await driver.episode();
    expect(done.runtimeStatus).toBe("Completed");
    expect(driver.state.canceledTimers.size).toBe(1);
    expect(driver.state.outstanding()).toEqual([]);
  });

  it("ends an execution with ContinuedAsNew and the next input", async () => {
    const driver = new ReplayDriver(continueEngine, "loop", 0, activities);
    const done = await driver.run();
    expect(done.runtimeStatus).toBe("ContinuedAsNew");
    expect(done.continueAsNewInput).toBe("1");
  });

  it("terminates without running the orchestrator, keeping the reason as output", async () => {
    const driver = new ReplayDriver(eventsEngine, "events", undefined, activities);
    await driver.episode();
    driver.pending.push(
      { kind: "EventRaised", name: "A", input: "1", messageId: "e" },
      { kind: "Terminate", reason: "enough", messageId: "t" },
    );
    const done = await driver.episode();
    expect(done).toMatchObject({ runtimeStatus: "Terminated", output: "enough" });
    expect(driver.state.events.some((e) => e.event.EventType === EventType.ExecutionTerminated)).toBe(true);
  });

  it("fails an orchestration that needs durable entities, which the devhost does not implement", async () => {
    const driver = new ReplayDriver(entityEngine, "usesEntity", undefined, activities);
    const done = await driver.episode();
    expect(done.runtimeStatus).toBe("Failed");
    expect(done.output).toContain("does not support durable entities");
  });
});
