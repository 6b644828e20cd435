import type { AuditLog } from "../audit/audit-log.js";
import { resolveRemediation } from "../policy/remediation.js";
import type { PolicyDocument } from "../policy/types.js";
import { REMEDIATION_AUDIT_ACTION, type RemediationAuditAction } from "./audit-actions.js";
import type { RemediationNotifier } from "./notifier.js";
import { describeEvent } from "./describe-event.js";
import { reconcile, type RemediationEvent } from "./reconcile.js";
import type { Rescanner } from "./rescanner.js";
import type { RemediationStore } from "./store.js";

export interface ReevaluateDeps {
  policy: PolicyDocument;
  policyVersion: string;
  store: RemediationStore;
  rescanner: Rescanner;
  /** The re-scanner for an image the gate holds locked (locked-scan.ts); the plain one when absent. */
  lockedRescanner?: Rescanner;
  audit: Pick<AuditLog, "record">;
  notifier: RemediationNotifier;
  /** One event line per remediation event (src/observability's format, written by the function file). */
  log: (line: Record<string, unknown>) => void;
}

export interface ReevaluateRequest {
  runId: string;
  image: { loginServer: string; repository: string; digest: string };
  now: string;
  purpose: "scheduled" | "break-glass-expiry" | "exception-expiry";
}

export interface ReevaluateOutcome {
  enforcement: "none" | "block" | "warn" | "ask-approval" | "release";
  decision: "pass" | "fail" | "needsApproval" | "unusable";
  opened: number;
  closed: number;
  reminders: number;
  due: number;
  summary: string;
}

const ACTION_OF: Record<RemediationEvent["kind"], RemediationAuditAction> = {
  opened: REMEDIATION_AUDIT_ACTION.opened,
  reminder: REMEDIATION_AUDIT_ACTION.reminder,
  closed: REMEDIATION_AUDIT_ACTION.closed,
  due: REMEDIATION_AUDIT_ACTION.due,
  "rescan-unusable": REMEDIATION_AUDIT_ACTION.rescanUnusable,
};

/**
 * Re-judges one released image: re-scan, reconcile its records with the fresh judgement and the time, store them,
 * audit each event (insert-if-absent, keyed by run, image and event, so a repeat of the activity adds nothing), log it
 * and hand it to the notifier. A re-scan that fails is a result (unusable), not an error; the records' deadlines
 * still pass. Storage failures throw (ReevaluationError): the activity retries, the image is left as it was.
 */
export async function reevaluateImage(deps: ReevaluateDeps, request: ReevaluateRequest): Promise<ReevaluateOutcome> {
  const now = new Date(request.now);
  const image = request.image;
  const reference = `${image.loginServer}/${image.repository}@${image.digest}`;
  const settings = resolveRemediation(deps.policy, image.repository);
  const records = await deps.store.recordsOf(image);
  const locked = records.some((r) => r.state === "blocked");
  const judgement = await (locked && deps.lockedRescanner ? deps.lockedRescanner : deps.rescanner).rescan(image, now);
  const result = reconcile({ image, judgement, records, settings, now });
  await deps.store.put(result.records);
  for (const event of result.events) {
    const reason = describeEvent(event);
    const identity =
      "record" in event
        ? `${event.record.findingId}|${event.record.package}|${event.kind}|${"daysBefore" in event ? event.daysBefore : ""}`
        : event.kind;
    await deps.audit.record(
      {
        image: reference,
        action: ACTION_OF[event.kind],
        actor: "gate:reevaluation",
        at: request.now,
        reason,
        policyVersion: deps.policyVersion,
        instanceId: request.runId,
        ...(judgement.usable ? { verdict: judgement.decision } : {}),
      },
      { scope: `reevaluation:${request.runId}`, identity },
    );
    deps.log({
      event: ACTION_OF[event.kind],
      image: reference,
      runId: request.runId,
      purpose: request.purpose,
      reason,
    });
    try {
      await deps.notifier.notify(event, { runId: request.runId, image, at: request.now });
    } catch (error) {
      deps.log({ event: "notify-failed", image: reference, error: (error as Error).message });
    }
  }
  const count = (kind: RemediationEvent["kind"]) => result.events.filter((e) => e.kind === kind).length;
  const live = result.records.filter((r) => r.state !== "closed");
  const summary =
    result.enforcement === "release"
      ? "every finding that blocked the image is closed and a fresh scan passes"
      : live.length
        ? `${live.length} open finding${live.length === 1 ? "" : "s"}: ${live
            .slice(0, 5)
            .map((r) => `${r.findingId} (${r.severity}, ${r.package}) due ${r.dueBy}`)
            .join("; ")}`
        : "no open findings";
  return {
    enforcement: result.enforcement,
    decision: judgement.usable ? judgement.decision : "unusable",
    opened: count("opened"),
    closed: count("closed"),
    reminders: count("reminder"),
    due: count("due"),
    summary,
  };
}
