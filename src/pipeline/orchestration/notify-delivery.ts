import type { OrchestrationContext, Task } from "durable-functions";
import {
  ACTIVITY,
  ACTIVITY_RETRY,
  callActivityWithPolicy,
  notifyRetryOptions,
  type DeliverNotificationResult,
  type NotifyDeliveryInput,
  type NotifyDeliveryOutcome,
} from "../contract/index.js";

/**
 * One notification event to one sink (docs/notifications.md, "Delivery"), started by the notify activity under
 * `<event id>.<sink>` and awaited by nobody: the pipeline has moved on before the first attempt ends.
 *
 * Each attempt is a deliverNotification activity under the input's retry policy (durable timers between attempts,
 * DTFx backoff, at most `retry.maxAttempts` attempts). A refusal (a 4xx other than 408/429, a sink not configured) is
 * final at once; retries used up are final too. Either way the delivery is recorded as a dead letter, itself with
 * the activities' bounded retry policy. Nothing here loops: the orchestration ends after at most maxAttempts + 5
 * activity executions, whatever the sink does.
 *
 * Deterministic: it reads only its input and the activities' answers (the retry policy travels in the input, so a
 * changed setting never changes a history being replayed).
 */
export function* notifyDelivery(context: OrchestrationContext): Generator<Task, NotifyDeliveryOutcome, unknown> {
  const input = context.df.getInput<NotifyDeliveryInput>();
  const outcome = (result: NotifyDeliveryOutcome["result"]): NotifyDeliveryOutcome => ({
    eventId: input.eventId,
    sink: input.sink,
    result,
  });
  let refusal: DeliverNotificationResult | undefined;
  try {
    const answer = (yield callActivityWithPolicy(
      context,
      ACTIVITY.deliverNotification,
      notifyRetryOptions(input.retry),
      input,
    )) as DeliverNotificationResult;
    if (answer.outcome !== "refused") return outcome(answer.outcome);
    refusal = answer;
  } catch {
    // Every attempt failed: the ledger holds the last attempt's status or code.
  }
  try {
    yield callActivityWithPolicy(context, ACTIVITY.recordNotificationDeadLetter, ACTIVITY_RETRY, {
      request: input.request,
      eventId: input.eventId,
      sink: input.sink,
      ...(refusal?.error === undefined ? {} : { error: refusal.error }),
      ...(refusal?.status === undefined ? {} : { status: refusal.status }),
    });
    return outcome("dead-letter");
  } catch {
    // The dead-letter table could not be written either: the warning lines were, and the outcome says so.
    return outcome("dead-letter-unrecorded");
  }
}
