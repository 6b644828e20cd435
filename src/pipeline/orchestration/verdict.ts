import type { VerdictDecision, VerdictSummary } from "../contract/index.js";
import { NoVerdictError } from "../errors.js";

const ORDER = { pass: 0, needsApproval: 1, fail: 2 } as const;

/**
 * One verdict for the image. An index passes only when every platform manifest passes; any failing platform fails
 * it, and otherwise any platform that needs approval makes the whole index need approval (docs/pipeline.md).
 */
export function combineVerdicts(verdicts: readonly VerdictSummary[], indexDigest?: string): VerdictSummary {
  if (verdicts.length === 0)
    throw new NoVerdictError("no verdicts to combine: an image without scanned manifests cannot pass");
  if (verdicts.length === 1 && !indexDigest) return verdicts[0]!;
  const decision = verdicts
    .map((v) => v.decision)
    .reduce((worst, d) => (ORDER[d] > ORDER[worst] ? d : worst), "pass" as VerdictDecision);
  const severityCounts: Record<string, number> = {};
  for (const v of verdicts)
    for (const [k, n] of Object.entries(v.severityCounts)) severityCounts[k] = (severityCounts[k] ?? 0) + n;
  return {
    decision,
    platforms: verdicts.flatMap((v) => v.platforms),
    severityCounts,
    findings: verdicts.reduce((n, v) => n + v.findings, 0),
    scanner: verdicts[0]!.scanner,
    policyVersion: verdicts[0]!.policyVersion,
    evaluatedAt: verdicts
      .map((v) => v.evaluatedAt)
      .sort()
      .at(-1)!,
  };
}
