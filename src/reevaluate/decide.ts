import { GateError } from "../errors/gate-error.js";
import { enforceRemediation, type EnforceDeps, type EnforceOutcome } from "./enforce.js";
import type { RemediationRecord } from "./records.js";
import type { RemediationStore } from "./store.js";

export type RemediationDecisionCode = "remediation-not-blocked" | "remediation-not-awaiting-approval";

/** A decision about an image that is not in the state the decision is for (the API answers 409). */
export class RemediationDecisionError extends GateError {
  static override readonly code: string = "ERR_REMEDIATION_DECISION";
  override readonly code: RemediationDecisionCode;

  constructor(message: string, code: RemediationDecisionCode) {
    super(message);
    this.code = code;
  }
}

export interface RemediationDecision {
  image: { loginServer: string; repository: string; digest: string };
  /**
   * `release`: re-open an image the gate blocked (the approval the normal gate allows besides a passing scan).
   * `block`: approve the block a protected repository asked for. `keep`: decline it; the findings are only warned.
   */
  action: "release" | "block" | "keep";
  reason: string;
  approver: { objectId: string; name: string };
  now: string;
}

export interface RemediationDecisionResult {
  action: RemediationDecision["action"];
  records: number;
  registry?: EnforceOutcome;
}

/**
 * A person's decision about a re-evaluated image (holders of Quarantine.Approver, checked by the function). The
 * registry write goes through enforceRemediation (read back, audited with the approver and reason); the records
 * change only after the registry shows the outcome. Released findings that still violate open anew at the next run,
 * with a new deadline: an approval buys one SLA period, not forever.
 */
export async function decideRemediation(
  deps: { store: RemediationStore; enforce: EnforceDeps },
  decision: RemediationDecision,
): Promise<RemediationDecisionResult> {
  const records = await deps.store.recordsOf(decision.image);
  const reason = `${decision.approver.name} (${decision.approver.objectId}): ${decision.reason}`;
  const runId = `decision-${decision.now}`;
  const change = (list: RemediationRecord[], next: Partial<RemediationRecord>) =>
    deps.store.put(list.map((r) => ({ ...r, ...next, updatedAt: decision.now })));
  if (decision.action === "release") {
    const blocked = records.filter((r) => r.state === "blocked");
    if (blocked.length === 0)
      throw new RemediationDecisionError("the gate does not hold this image blocked", "remediation-not-blocked");
    const registry = await enforceRemediation(deps.enforce, {
      runId,
      image: decision.image,
      action: "release",
      reason: `approved release: ${reason}`,
      now: decision.now,
    });
    await change(blocked, { state: "closed", closedReason: "approved-release" });
    return { action: "release", records: blocked.length, registry };
  }
  const waiting = records.filter((r) => r.state === "awaiting-approval");
  if (waiting.length === 0)
    throw new RemediationDecisionError(
      "no finding of this image waits for an approval to block it",
      "remediation-not-awaiting-approval",
    );
  if (decision.action === "keep") {
    await change(waiting, { state: "warned" });
    return { action: "keep", records: waiting.length };
  }
  const registry = await enforceRemediation(deps.enforce, {
    runId,
    image: decision.image,
    action: "block",
    reason: `approved block: ${reason}`,
    now: decision.now,
  });
  await change(waiting, { state: "blocked" });
  return { action: "block", records: waiting.length, registry };
}
