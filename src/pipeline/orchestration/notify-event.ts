import type { OrchestrationContext, Task } from "durable-functions";
import {
  ACTIVITY,
  callActivity,
  notifyRetryDelayMs,
  type NotificationAttemptResult,
  type NotifyEventInput,
  type NotifyEventOutcome,
  type SinkDeliveryOutcome,
} from "../contract/index.js";

/**
 * One notification event to all its sinks (docs/notifications.md, "Delivery"), started by the notify activity under
 * the event id and awaited by nobody: the pipeline has moved on before the first attempt ends.
 *
 * In rounds: every sink still to be served gets one attemptNotification at once (Task.all), so a sink that is down
 * delays no other. Attempts answer rather than throw: `delivered` and `duplicate` end that sink's delivery; `refused`
 * (a 4xx other than 408/429, a sink not configured) ends it as a dead letter at once; `retry` (no answer, 408, 429,
 * 5xx) puts the sink in the next round, after a durable timer of the input's backoff (DTFx's retry delay: first
 * interval × coefficient^(n−1), capped; notifyRetryDelayMs). After `retry.maxAttempts` rounds a sink still failing is
 * a dead letter. An attempt that throws (its activity failed under the activities' own bounded retry policy) counts
 * as `retry` for its sink.
 *
 * Why rounds and not a Task.any loop over per-sink retrying tasks: yielding Task.any again over tasks an earlier
 * Task.any already scheduled schedules their activities again in durable-functions for JavaScript
 * (Azure/azure-functions-durable-js issue #574, open; the devhost's replay of the real library shows the same), and a
 * Task.all that failed leaves the others' results unusable for a new yield (issue #485). Here every task is yielded
 * exactly once.
 *
 * One orchestration per event, not per event and sink (the legacy notifyDelivery): with the local stack's four sinks
 * a quarter of the orchestrations, each one history, one start and one completion in the task hub.
 *
 * Bounded: at most sinks × maxAttempts attempts (each under the activities' bounded retry), maxAttempts − 1 timers
 * and one dead letter per sink. Deterministic: it reads only its input, the activities' answers and the
 * orchestration clock (the retry policy travels in the input).
 */
export function* notifyEvent(context: OrchestrationContext): Generator<Task, NotifyEventOutcome, unknown> {
  const input = context.df.getInput<NotifyEventInput>();
  const ended: SinkDeliveryOutcome[] = [];
  let pending = [...new Set(input.sinks)];
  for (let attempt = 1; pending.length > 0 && attempt <= input.retry.maxAttempts; attempt++) {
    if (attempt > 1) {
      const due = context.df.currentUtcDateTime.getTime() + notifyRetryDelayMs(input.retry, attempt - 1);
      yield context.df.createTimer(new Date(due));
    }
    const tasks = pending.map((sink) =>
      callActivity(context, ACTIVITY.attemptNotification, { request: input.request, eventId: input.eventId, sink }),
    );
    try {
      yield context.df.Task.all(tasks);
    } catch {
      // One attempt's activity failed for good: the tasks that completed still answered; the others retry.
    }
    const next: string[] = [];
    const refused: Array<[string, NotificationAttemptResult]> = [];
    pending.forEach((sink, i) => {
      const task = tasks[i]!;
      const answer = task.isCompleted && !task.isFaulted ? (task.result as NotificationAttemptResult) : undefined;
      if (answer?.outcome === "delivered" || answer?.outcome === "duplicate")
        ended.push({ sink, result: answer.outcome });
      else if (answer?.outcome === "refused") refused.push([sink, answer]);
      else next.push(sink);
    });
    // A refusal is final: its dead letter now, not after the other sinks' retries.
    for (const [sink, refusal] of refused) ended.push(yield* deadLetter(context, input, sink, refusal));
    pending = next;
  }
  // Retries used up: the last attempt's error is in the delivery ledger.
  for (const sink of pending) ended.push(yield* deadLetter(context, input, sink, undefined));
  return { eventId: input.eventId, sinks: ended };
}

function* deadLetter(
  context: OrchestrationContext,
  input: NotifyEventInput,
  sink: string,
  refusal: NotificationAttemptResult | undefined,
): Generator<Task, SinkDeliveryOutcome, unknown> {
  try {
    yield callActivity(context, ACTIVITY.recordNotificationDeadLetter, {
      request: input.request,
      eventId: input.eventId,
      sink,
      ...(refusal?.error === undefined ? {} : { error: refusal.error }),
      ...(refusal?.status === undefined ? {} : { status: refusal.status }),
    });
    return { sink, result: "dead-letter" };
  } catch {
    // The dead-letter table could not be written either: the warning lines were, and the outcome says so.
    return { sink, result: "dead-letter-unrecorded" };
  }
}
