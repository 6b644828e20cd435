import { createHash } from "node:crypto";
import type { VerdictSummary } from "./contract/index.js";
import { requiredApprovalsOf } from "./approval-ledger-terms.js";

/**
 * What an approval is bound to: the verdict a person saw when they approved. A re-scan that changes the verdict (its
 * decision, reasons, counts, scanner, policy version, VEX, or the approvals it needs) changes this identity, and
 * approvals given for the earlier one no longer count. The evaluation time is left out: the same findings judged
 * again by the same policy are the same verdict.
 *
 * The fields are listed one by one, in a fixed order (not a generic canonical JSON of the object): a field added to
 * VerdictSummary later does not silently change the identity of verdicts already approved.
 */
export function verdictIdentity(verdict: VerdictSummary | undefined): string {
  if (!verdict) return "no-verdict";
  const parts = [
    "verdict/v1",
    verdict.decision,
    requiredApprovalsOf(verdict),
    verdict.policyVersion,
    verdict.scanner,
    verdict.findings,
    Object.entries(verdict.severityCounts ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    (verdict.platforms ?? []).map((p) => [p.digest, p.decision, p.reasons]),
    verdict.vex
      ? [
          verdict.vex.suppressedFindings,
          verdict.vex.suppressions.map((s) => [s.vulnerability, s.document, s.statementIndex, s.findings]),
          verdict.vex.notApplied ?? null,
        ]
      : null,
  ];
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32);
}
