import { breakGlassLimit as limitOf } from "../break-glass-expiry.js";
import type { PolicyDocument } from "../../policy/types.js";

/**
 * How long a break-glass release of an image in this repository may last, for the approval page's "Expires after"
 * control: the policy's `remediation.breakGlassExpiryHours` (default 24), which is both the longest `expiresIn` the
 * approvals API accepts and what an override without `expiresIn` gets (src/pipeline/break-glass-expiry.ts).
 */
export interface BreakGlassLimit {
  /** Whole hours (the policy schema allows integers 1..720). */
  maxExpiryHours: number;
  /** The same as ISO 8601, spelled as the API's `maxExpiry` in its 400 answers (e.g. PT24H). */
  maxExpiry: string;
}

export function breakGlassLimit(policy: PolicyDocument, repository: string): BreakGlassLimit {
  return limitOf(policy, repository);
}
