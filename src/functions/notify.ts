import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { compositionRoot } from "../composition/root.js";
import {
  ACTIVITY,
  notifyEventStarter,
  registerActivity,
  type DeliverNotificationResult,
  type NotificationAttemptInput,
  type NotificationAttemptResult,
  type NotificationDeadLetterInput,
  type NotifyDeliveryInput,
  type NotifyRequest,
  type NotifyResult,
} from "../pipeline/contract/index.js";
import { notificationEventId } from "../notify/index.js";

/**
 * The notify activity: one occurrence handed to its notifyEvent orchestration (docs/notifications.md). It
 * sends nothing and never throws, so the pipeline that calls it waits only for the hand-off: settings that cannot be
 * used, or no subscription document, are answered as a result.
 */
export async function notify(request: NotifyRequest, context: InvocationContext): Promise<NotifyResult> {
  const empty: NotifyResult = { eventId: "", sinks: 0, started: 0 };
  try {
    empty.eventId = notificationEventId(request);
    const notifier = compositionRoot().notifier();
    if (!notifier) return { ...empty, error: "notifications off (NOTIFY_SUBSCRIPTIONS not set)" };
    return await notifier.handOff(request, notifyEventStarter(df.getClient(context)));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    console.warn(`notify: nothing sent: ${typeof code === "string" ? code : (error as Error).name}`);
    return { ...empty, error: typeof code === "string" ? code : "ERR_NOTIFY" };
  }
}

/** One attempt of one event to one sink for notifyEvent; a failure the sink may get over is answered as `retry`. */
export async function attemptNotification(input: NotificationAttemptInput): Promise<NotificationAttemptResult> {
  const notifier = compositionRoot().notifier();
  if (!notifier) return { outcome: "refused", error: "notifications off (NOTIFY_SUBSCRIPTIONS not set)" };
  return notifier.answer(input);
}

/**
 * The legacy notifyDelivery's attempt (instances started before notifyEvent); a failure the sink may get over is
 * thrown, for its durable retry.
 */
export async function deliverNotification(input: NotifyDeliveryInput): Promise<DeliverNotificationResult> {
  const notifier = compositionRoot().notifier();
  if (!notifier) return { outcome: "refused", error: "notifications off (NOTIFY_SUBSCRIPTIONS not set)" };
  return notifier.attempt(input);
}

/** The dead letter of a delivery that stayed undelivered. */
export async function recordNotificationDeadLetter(input: NotificationDeadLetterInput): Promise<void> {
  const notifier = compositionRoot().notifier();
  if (!notifier) {
    console.warn(`notify: dead letter of ${input.eventId} to sink ${input.sink} not recorded: notifications off`);
    return;
  }
  await notifier.deadLetter(input);
}

registerActivity(ACTIVITY.notify, notify, { durableClient: true });
registerActivity(ACTIVITY.attemptNotification, attemptNotification);
registerActivity(ACTIVITY.deliverNotification, deliverNotification);
registerActivity(ACTIVITY.recordNotificationDeadLetter, recordNotificationDeadLetter);
