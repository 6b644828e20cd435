import type { Reason } from "../policy/types.js";
import type { Severity } from "../scanning/findings.js";

/** What a fresh judgement says about each finding, reduced to what remediation records need. */
export interface FindingStatus {
  findingId: string;
  package: string;
  severity: Severity;
  status: "violates" | "exception-applied" | "vex-suppressed" | "not-violating";
}

/** The judgement a re-evaluation got: usable (with every reason, none omitted), or not. */
export type FreshJudgement =
  | { usable: true; decision: "pass" | "fail" | "needsApproval"; reasons: readonly Reason[]; omittedReasons: number }
  | { usable: false; code: string; message: string };

const key = (id: string, pkg: string) => `${id.toUpperCase()}|${pkg}`;

/**
 * The findings of a usable judgement: blocking ones violate (a finding that needs approval was accepted when the
 * image was approved; re-evaluation tracks what would now fail); excepted and VEX-suppressed ones are excused; any
 * other finding the reasons name does not violate. A finding named twice keeps its strongest status.
 */
export function findingStatuses(reasons: readonly Reason[]): Map<string, FindingStatus> {
  const rank = { violates: 3, "exception-applied": 2, "vex-suppressed": 2, "not-violating": 1 } as const;
  const out = new Map<string, FindingStatus>();
  for (const reason of reasons) {
    if (!("finding" in reason)) continue;
    const f = reason.finding;
    const status: FindingStatus["status"] =
      reason.kind === "finding-blocks"
        ? "violates"
        : reason.kind === "exception-applied" || reason.kind === "vex-suppressed"
          ? reason.kind
          : "not-violating";
    const k = key(f.vulnerabilityId, f.package);
    const known = out.get(k);
    if (known && rank[known.status] >= rank[status]) continue;
    out.set(k, { findingId: f.vulnerabilityId, package: f.package, severity: f.severity, status });
  }
  return out;
}

export { key as findingKey };
