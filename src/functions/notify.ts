import { compositionRoot } from "../composition/root.js";
import { ACTIVITY, registerActivity, type NotifyRequest, type NotifyResult } from "../pipeline/contract/index.js";
import { notificationEventId } from "../notify/index.js";

/**
 * The notify activity: one occurrence to its sinks (docs/notifications.md). It never throws, so the orchestration
 * never waits on a retry: settings that cannot be used, or no subscription document, are answered as a result.
 */
export async function notify(request: NotifyRequest): Promise<NotifyResult> {
  const empty: NotifyResult = { eventId: "", delivered: 0, duplicates: 0, deadLetters: 0 };
  try {
    empty.eventId = notificationEventId(request);
    const notifier = compositionRoot().notifier();
    if (!notifier) return { ...empty, error: "notifications off (NOTIFY_SUBSCRIPTIONS not set)" };
    return await notifier.notify(request);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    console.warn(`notify: nothing sent: ${typeof code === "string" ? code : (error as Error).name}`);
    return { ...empty, error: typeof code === "string" ? code : "ERR_NOTIFY" };
  }
}

registerActivity(ACTIVITY.notify, notify);
