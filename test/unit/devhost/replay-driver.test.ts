import type { OrchestrationContext, Task, TimerTask } from "durable-functions";
import { describe, expect, it } from "vitest";
import { registerOrchestrator, ReplayDriver } from "../../support/durable/replay-driver.js";

/** An approval raced against a deadline, the shape the product's pipeline uses. */
const approvalEngine = registerOrchestrator("driverApproval", function* (context: OrchestrationContext) {
  const deadline = new Date(context.df.currentUtcDateTime.getTime() + 60_000);
  context.df.setCustomStatus({ deadline: deadline.toISOString() });
  const approval = context.df.waitForExternalEvent("Decision");
  const timer: TimerTask = context.df.createTimer(deadline);
  const winner: Task = yield context.df.Task.any([approval, timer]);
  if (winner === approval) {
    timer.cancel();
    const released: string = yield context.df.callActivity("release", approval.result);
    return { by: "approval", released, at: context.df.currentUtcDateTime.toISOString() };
  }
  return { by: "deadline", at: context.df.currentUtcDateTime.toISOString() };
});

const parentEngine = registerOrchestrator("driverParent", function* (context: OrchestrationContext) {
  try {
    const child: unknown = yield context.df.callSubOrchestrator("child", 2, "child-id");
    return { child };
  } catch (error) {
    return { failed: (error as Error).message };
  }
});

const release = (input: unknown) => `released ${JSON.stringify(input)}`;

describe("replay driver (shared test support for orchestrator unit tests)", () => {
  it("lets a test raise an event before the deadline, and records each activity run", async () => {
    const driver = new ReplayDriver(approvalEngine, "driverApproval", undefined, { release }, { instanceId: "img-1" });
    const waiting = await driver.settle();
    expect(waiting.runtimeStatus).toBe("Running");
    expect(driver.outstanding("timer")).toHaveLength(1);
    driver.raiseEvent("Decision", { approve: true });
    const done = await driver.settle();
    expect(done.runtimeStatus).toBe("Completed");
    expect(driver.output).toMatchObject({ by: "approval", released: 'released {"approve":true}' });
    expect(driver.calls).toEqual([
      {
        kind: "activity",
        name: "release",
        input: { approve: true },
        attempt: 1,
        taskScheduledId: expect.any(Number),
        outcome: "completed",
      },
    ]);
  });

  it("fires the deadline at its due time: the orchestrator sees the clock at or after it", async () => {
    const driver = new ReplayDriver(
      approvalEngine,
      "driverApproval",
      undefined,
      { release },
      {
        startTime: "2030-05-01T10:00:00Z",
      },
    );
    await driver.settle();
    expect(driver.now.toISOString()).toBe("2030-05-01T10:00:00.000Z");
    const { deadline } = driver.customStatus as { deadline: string };
    expect(deadline).toBe("2030-05-01T10:01:00.000Z");
    expect(driver.fireTimers("2030-05-01T10:00:30Z")).toBe(0);
    expect(driver.fireTimers()).toBe(1);
    await driver.settle();
    const output = driver.output as { by: string; at: string };
    expect(output.by).toBe("deadline");
    expect(Date.parse(output.at)).toBeGreaterThanOrEqual(Date.parse(deadline));
    expect(driver.calls).toEqual([]);
  });

  it("completes and fails sub-orchestrations from the given implementations", async () => {
    const ok = new ReplayDriver(
      parentEngine,
      "driverParent",
      undefined,
      {},
      {
        subOrchestrations: { child: (input, instanceId) => ({ input, instanceId }) },
      },
    );
    await ok.run();
    expect(ok.output).toEqual({ child: { input: 2, instanceId: "child-id" } });
    const failing = new ReplayDriver(
      parentEngine,
      "driverParent",
      undefined,
      {},
      {
        subOrchestrations: {
          child: () => {
            throw new Error("child broke");
          },
        },
      },
    );
    await failing.run();
    expect(failing.output).toMatchObject({ failed: expect.stringContaining("child broke") });
    expect(failing.calls.map((c) => c.outcome)).toEqual(["failed"]);
  });

  it("refuses to guess an activity the test did not implement", async () => {
    const driver = new ReplayDriver(approvalEngine, "driverApproval", undefined, {});
    await driver.settle();
    driver.raiseEvent("Decision", { approve: true });
    await driver.episode();
    expect(() => driver.completeOutstanding({ fireTimers: false })).toThrow(/no activity implementation for 'release'/);
  });
});
