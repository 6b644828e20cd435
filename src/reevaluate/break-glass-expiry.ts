import { resolveRemediation } from "../policy/remediation.js";
import type { PolicyDocument } from "../policy/types.js";
import { ReevaluationError } from "./errors.js";

const HOUR_MS = 3_600_000;

/**
 * When a break-glass release ends: the policy's breakGlassExpiryHours for the repository (default 24 h) after the
 * decision, or sooner when the justification form asked for fewer hours; never later than the policy allows. For the
 * approvals API to put in BreakGlassInput.expiresAt. Throws ReevaluationError for a request that is not 1 h or more.
 */
export function breakGlassExpiresAt(
  policy: PolicyDocument,
  repository: string,
  decidedAt: string,
  requestedHours?: number,
): string {
  const decided = Date.parse(decidedAt);
  if (Number.isNaN(decided)) throw new ReevaluationError("decidedAt is not a date", "reevaluation-input-invalid");
  if (requestedHours !== undefined && (!Number.isInteger(requestedHours) || requestedHours < 1))
    throw new ReevaluationError(
      "the requested break-glass hours must be a whole number of 1 or more",
      "reevaluation-input-invalid",
    );
  const allowed = resolveRemediation(policy, repository).breakGlassExpiryHours;
  return new Date(decided + Math.min(allowed, requestedHours ?? allowed) * HOUR_MS).toISOString();
}
