import type { RemediationEvent } from "./reconcile.js";

/**
 * The hook for the notifications system being built in parallel: every remediation event (opened, reminder, closed,
 * due) and every enforcement is handed to it after it is audited. Until that lands the composition root passes
 * LOG_ONLY_NOTIFIER (the audit record and the event line are the notice). A notifier that throws does not undo or
 * repeat anything: the audit already holds the event.
 */
export interface RemediationNotifier {
  notify(event: RemediationEvent | EnforcementNotice): Promise<void>;
}

export interface EnforcementNotice {
  kind: "reblocked" | "reopened";
  image: string;
  reason: string;
  readEnabled: boolean;
  quarantineState: string | undefined;
}

export const LOG_ONLY_NOTIFIER: RemediationNotifier = { notify: async () => undefined };
