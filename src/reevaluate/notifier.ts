import type { ImageKey } from "../pipeline/contract/image.js";
import type { RemediationEvent } from "./reconcile.js";

/**
 * Where every remediation event (opened, reminder, closed, due) and every enforcement goes after it is audited: the
 * notifications stream (src/reevaluate/notify-stream.ts) when NOTIFY_SUBSCRIPTIONS is set, else LOG_ONLY_NOTIFIER (the
 * audit record and the event line are the notice). A notifier that throws does not undo or repeat anything: the
 * audit already holds the event.
 */
export interface RemediationNotifier {
  notify(event: RemediationEvent | EnforcementNotice, occurrence: NoticeOccurrence): Promise<void>;
}

/** Which run, image and moment a notice belongs to: with the event it names the occurrence (one id on every repeat). */
export interface NoticeOccurrence {
  runId: string;
  image: ImageKey;
  /** The run's time (the orchestration's clock). */
  at: string;
}

export interface EnforcementNotice {
  kind: "reblocked" | "reopened";
  image: string;
  reason: string;
  readEnabled: boolean;
  quarantineState: string | undefined;
}

export const LOG_ONLY_NOTIFIER: RemediationNotifier = { notify: async () => undefined };
