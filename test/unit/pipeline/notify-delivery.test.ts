import { describe, expect, it } from "vitest";
import { notifyDelivery } from "../../../src/pipeline/orchestration/notify-delivery.js";
import {
  ORCHESTRATION,
  notifyDeliveryInstanceId,
  type NotificationDeadLetterInput,
  type NotifyDeliveryInput,
  type NotifyDeliveryOutcome,
} from "../../../src/pipeline/contract/index.js";
import { EventType } from "../../../local/devhost/durable/replay/history.js";
import { PipelineRun, type Activities } from "./support/pipeline-run.js";
import { NOTIFY_EVENT_ID, NOTIFY_REQUEST, NOTIFY_RETRY } from "./support/notify-request.js";

/**
 * The delivery of one notification event to one sink (notifyDelivery) on the real durable-functions replay engine:
 * attempts under the input's bounded retry policy, then one dead letter; a refusal is not retried; a dead-letter
 * table that is down still ends the orchestration. Nothing loops.
 */
const INPUT: NotifyDeliveryInput = {
  request: NOTIFY_REQUEST,
  eventId: NOTIFY_EVENT_ID,
  sink: "webhook",
  retry: NOTIFY_RETRY,
};

function delivery(activities: Activities): PipelineRun {
  return new PipelineRun(ORCHESTRATION.notifyDelivery, notifyDelivery, INPUT, activities);
}

const output = (run: PipelineRun) => run.output as unknown as NotifyDeliveryOutcome;

describe("notifyDelivery: one event to one sink, bounded", () => {
  it("its instance id is the event id and the sink", () => {
    expect(notifyDeliveryInstanceId(INPUT.eventId, INPUT.sink)).toBe(`${INPUT.eventId}.webhook`);
  });

  it("a sink that takes it: one attempt, no dead letter", async () => {
    const run = await delivery({
      deliverNotification: () => ({ outcome: "delivered" }),
      recordNotificationDeadLetter: () => null,
    }).settle();
    expect(run.runtimeStatus).toBe("Completed");
    expect(output(run)).toEqual({ eventId: INPUT.eventId, sink: "webhook", result: "delivered" });
    expect(run.calls.map((c) => c.name)).toEqual(["deliverNotification"]);
  });

  it("a sink that stays down: maxAttempts attempts, durable waits growing between them, then one dead letter", async () => {
    const run = await delivery({
      deliverNotification: () => {
        throw new Error("sink webhook answered 503");
      },
      recordNotificationDeadLetter: () => null,
    }).settle();
    expect(run.runtimeStatus).toBe("Completed");
    expect(output(run).result).toBe("dead-letter");
    expect(run.calls.map((c) => c.name)).toEqual([
      "deliverNotification",
      "deliverNotification",
      "deliverNotification",
      "recordNotificationDeadLetter",
    ]);
    // The dead letter takes its error from the ledger (the last attempt's), not from the orchestration.
    expect(run.inputsOf<NotificationDeadLetterInput>("recordNotificationDeadLetter")[0]).toEqual({
      request: INPUT.request,
      eventId: INPUT.eventId,
      sink: "webhook",
    });
    // The waits are durable timers (a retry chain), 5 s then 10 s: the backoff of the input's policy.
    const history = run.driver.state.events.map((e) => e.event);
    const timers = history.filter((e) => e.EventType === EventType.TimerCreated);
    expect(history.filter((e) => e.EventType === EventType.TaskScheduled)).toHaveLength(4);
    // (The host also records a retry timer due at once after the last failure, where the engine ends the chain.)
    const gaps = timers.map((timer) => Date.parse(String(timer.FireAt)) - Date.parse(String(timer.Timestamp)));
    expect(gaps.filter((gap) => gap > 0)).toEqual([5_000, 10_000]);
  });

  it("a refusal (4xx): no retry, one dead letter with the refusal's status", async () => {
    const run = await delivery({
      deliverNotification: () => ({ outcome: "refused", error: "sink webhook answered 410", status: 410 }),
      recordNotificationDeadLetter: () => null,
    }).settle();
    expect(output(run).result).toBe("dead-letter");
    expect(run.calls.map((c) => c.name)).toEqual(["deliverNotification", "recordNotificationDeadLetter"]);
    expect(run.inputsOf<NotificationDeadLetterInput>("recordNotificationDeadLetter")[0]).toMatchObject({
      error: "sink webhook answered 410",
      status: 410,
    });
  });

  it("a duplicate (another attempt holds or made the delivery) ends it", async () => {
    const run = await delivery({ deliverNotification: () => ({ outcome: "duplicate" }) }).settle();
    expect(output(run).result).toBe("duplicate");
  });

  it("a dead-letter table that is down too: bounded retries of the record, then it ends all the same", async () => {
    const run = await delivery({
      deliverNotification: () => {
        throw new Error("sink webhook answered 503");
      },
      recordNotificationDeadLetter: () => {
        throw new Error("table down");
      },
    }).settle();
    expect(run.runtimeStatus).toBe("Completed");
    expect(output(run).result).toBe("dead-letter-unrecorded");
    expect(run.calls.filter((c) => c.name === "deliverNotification")).toHaveLength(3);
    // ACTIVITY_RETRY: 5 attempts.
    expect(run.calls.filter((c) => c.name === "recordNotificationDeadLetter")).toHaveLength(5);
    expect(run.driver.state.outstanding()).toEqual([]);
  });
});
