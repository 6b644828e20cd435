import { describe, expect, it } from "vitest";
import { notifyEvent } from "../../../src/pipeline/orchestration/notify-event.js";
import {
  ORCHESTRATION,
  notifyEventInstanceId,
  notifyRetryDelayMs,
  type NotificationAttemptInput,
  type NotificationDeadLetterInput,
  type NotifyEventInput,
  type NotifyEventOutcome,
} from "../../../src/pipeline/contract/index.js";
import { EventType } from "../../../local/devhost/durable/replay/history.js";
import { PipelineRun, type Activities } from "./support/pipeline-run.js";
import { NOTIFY_EVENT_ID, NOTIFY_REQUEST, NOTIFY_RETRY } from "./support/notify-request.js";

/**
 * One notification event to all its sinks (notifyEvent) on the real durable-functions replay engine: every sink at
 * once, retried in rounds under the input's bounded policy, a dead letter per sink that stays down or refuses, and
 * every activity scheduled exactly once (the replay would show a second TaskScheduled otherwise).
 */
const INPUT: NotifyEventInput = {
  request: NOTIFY_REQUEST,
  eventId: NOTIFY_EVENT_ID,
  sinks: ["eventgrid", "webhook", "teams", "slack"],
  retry: NOTIFY_RETRY,
};

function delivery(activities: Activities, input: NotifyEventInput = INPUT): PipelineRun {
  return new PipelineRun(ORCHESTRATION.notifyEvent, notifyEvent, input, activities);
}

const output = (run: PipelineRun) => run.output as unknown as NotifyEventOutcome;
const bySink = (run: PipelineRun) => Object.fromEntries(output(run).sinks.map((s) => [s.sink, s.result]));
const attempts = (run: PipelineRun) => run.inputsOf<NotificationAttemptInput>("attemptNotification").map((i) => i.sink);
const history = (run: PipelineRun) => run.driver.state.events.map((e) => e.event);
/** Each activity scheduled once: as many TaskScheduled events as activity executions the test counted. */
function scheduledOnce(run: PipelineRun): void {
  expect(history(run).filter((e) => e.EventType === EventType.TaskScheduled)).toHaveLength(run.calls.length);
}

describe("notifyEvent: one event to all its sinks at once, bounded", () => {
  it("its instance id is the event id", () => {
    expect(notifyEventInstanceId(INPUT.eventId)).toBe(INPUT.eventId);
  });

  it("every sink takes it: one attempt each, all scheduled in the first episode, no timer", async () => {
    const run = await delivery({ attemptNotification: () => ({ outcome: "delivered" }) }).runToEnd();
    expect(run.runtimeStatus).toBe("Completed");
    expect(bySink(run)).toEqual({
      eventgrid: "delivered",
      webhook: "delivered",
      teams: "delivered",
      slack: "delivered",
    });
    expect(attempts(run).sort()).toEqual(["eventgrid", "slack", "teams", "webhook"]);
    const events = history(run);
    const firstCompletion = events.findIndex((e) => e.EventType === EventType.TaskCompleted);
    expect(events.slice(0, firstCompletion).filter((e) => e.EventType === EventType.TaskScheduled)).toHaveLength(4);
    expect(events.filter((e) => e.EventType === EventType.TimerCreated)).toEqual([]);
    scheduledOnce(run);
  });

  it("a sink that stays down: only it is retried, after durable waits of 5 s then 10 s, then one dead letter", async () => {
    const run = await delivery({
      attemptNotification: (input: NotificationAttemptInput) =>
        input.sink === "teams"
          ? { outcome: "retry", error: "sink teams answered 503", status: 503 }
          : { outcome: input.sink === "slack" ? "duplicate" : "delivered" },
      recordNotificationDeadLetter: () => null,
    }).runToEnd();
    expect(run.runtimeStatus).toBe("Completed");
    expect(bySink(run)).toEqual({
      eventgrid: "delivered",
      webhook: "delivered",
      teams: "dead-letter",
      slack: "duplicate",
    });
    expect(attempts(run).filter((sink) => sink === "teams")).toHaveLength(3);
    expect(attempts(run).filter((sink) => sink !== "teams")).toHaveLength(3);
    // The dead letter takes its error from the ledger (the last attempt's), not from the orchestration.
    expect(run.inputsOf<NotificationDeadLetterInput>("recordNotificationDeadLetter")).toEqual([
      { request: INPUT.request, eventId: INPUT.eventId, sink: "teams" },
    ]);
    const gaps = history(run)
      .filter((e) => e.EventType === EventType.TimerCreated)
      .map((timer) => Date.parse(String(timer.FireAt)) - Date.parse(String(timer.Timestamp)));
    expect(gaps).toEqual([5_000, 10_000]);
    scheduledOnce(run);
  });

  it("a sink that comes back on the second attempt is delivered, with one wait", async () => {
    let webhookAttempts = 0;
    const run = await delivery({
      attemptNotification: (input: NotificationAttemptInput) => {
        if (input.sink !== "webhook") return { outcome: "delivered" };
        webhookAttempts += 1;
        return webhookAttempts === 1 ? { outcome: "retry", status: 429 } : { outcome: "delivered" };
      },
    }).runToEnd();
    expect(bySink(run).webhook).toBe("delivered");
    expect(webhookAttempts).toBe(2);
    expect(history(run).filter((e) => e.EventType === EventType.TimerCreated)).toHaveLength(1);
    scheduledOnce(run);
  });

  it("a refusal is a dead letter at once, with its status, before the other sinks' retries end", async () => {
    const run = await delivery({
      attemptNotification: (input: NotificationAttemptInput) =>
        input.sink === "slack"
          ? { outcome: "refused", error: "sink slack answered 404", status: 404 }
          : input.sink === "teams"
            ? { outcome: "retry" }
            : { outcome: "delivered" },
      recordNotificationDeadLetter: () => null,
    }).runToEnd();
    expect(bySink(run)).toEqual({
      eventgrid: "delivered",
      webhook: "delivered",
      teams: "dead-letter",
      slack: "dead-letter",
    });
    expect(attempts(run).filter((sink) => sink === "slack")).toHaveLength(1);
    const letters = run.inputsOf<NotificationDeadLetterInput>("recordNotificationDeadLetter");
    expect(letters.map((l) => l.sink)).toEqual(["slack", "teams"]);
    expect(letters[0]).toMatchObject({ error: "sink slack answered 404", status: 404 });
    // slack's dead letter was scheduled before the first retry timer.
    const events = history(run);
    const firstTimer = events.findIndex((e) => e.EventType === EventType.TimerCreated);
    const slackLetter = events.findIndex(
      (e) => e.EventType === EventType.TaskScheduled && e.Name === "recordNotificationDeadLetter",
    );
    expect(slackLetter).toBeGreaterThan(-1);
    expect(slackLetter).toBeLessThan(firstTimer);
    scheduledOnce(run);
  });

  it("an attempt whose activity fails for good counts as retry for its sink only", async () => {
    const run = await delivery({
      attemptNotification: (input: NotificationAttemptInput, attempt: number) => {
        if (input.sink === "eventgrid" && attempt < 99) throw new Error("host lost the activity");
        return { outcome: "delivered" };
      },
      recordNotificationDeadLetter: () => null,
    }).runToEnd();
    expect(run.runtimeStatus).toBe("Completed");
    expect(bySink(run)).toEqual({
      eventgrid: "dead-letter",
      webhook: "delivered",
      teams: "delivered",
      slack: "delivered",
    });
    // Each round's eventgrid attempt ran under the activities' bounded retry (5 executions), 3 rounds.
    expect(attempts(run).filter((sink) => sink === "eventgrid")).toHaveLength(15);
    expect(attempts(run).filter((sink) => sink !== "eventgrid")).toHaveLength(3);
  });

  it("a dead-letter table that is down too: bounded retries of the record, then it ends all the same", async () => {
    const run = await delivery(
      {
        attemptNotification: () => ({ outcome: "retry", error: "sink webhook answered 503", status: 503 }),
        recordNotificationDeadLetter: () => {
          throw new Error("table down");
        },
      },
      { ...INPUT, sinks: ["webhook"] },
    ).runToEnd();
    expect(run.runtimeStatus).toBe("Completed");
    expect(output(run)).toEqual({
      eventId: INPUT.eventId,
      sinks: [{ sink: "webhook", result: "dead-letter-unrecorded" }],
    });
    expect(run.calls.filter((c) => c.name === "recordNotificationDeadLetter")).toHaveLength(5);
    expect(run.driver.state.outstanding()).toEqual([]);
  });

  it("no sinks: ends at once, nothing sent; a sink named twice is sent to once", async () => {
    const none = await delivery({}, { ...INPUT, sinks: [] }).runToEnd();
    expect(none.runtimeStatus).toBe("Completed");
    expect(output(none)).toEqual({ eventId: INPUT.eventId, sinks: [] });
    expect(none.calls).toEqual([]);
    const twice = await delivery(
      { attemptNotification: () => ({ outcome: "delivered" }) },
      { ...INPUT, sinks: ["webhook", "webhook"] },
    ).runToEnd();
    expect(attempts(twice)).toEqual(["webhook"]);
  });

  it("the retry delay is DTFx's: first × coefficient^(n−1), capped", () => {
    const retry = { maxAttempts: 9, firstRetryIntervalMs: 1_000, backoffCoefficient: 3, maxRetryIntervalMs: 20_000 };
    expect([1, 2, 3, 4].map((n) => notifyRetryDelayMs(retry, n))).toEqual([1_000, 3_000, 9_000, 20_000]);
  });
});
