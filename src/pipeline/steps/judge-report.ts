import { judgeScanReport, type Judgement } from "../../scanning/judge.js";
import type { NormaliseOutcome } from "../../scanning/normalise/index.js";
import type { VexSummary } from "../../scanning/vex/summary.js";
import type { GateServices } from "../services.js";
import type { ImageKey, ScanPoll, VerdictSummary, VexBrief } from "../contract/index.js";
import { describeReason } from "../reasons.js";
import { requiredApprovals } from "../../policy/rules.js";

export type JudgeServices = Pick<GateServices, "policy" | "policyVersion" | "vex">;

/**
 * Judges one manifest's report (or the error that made it unusable: the policy fails closed on it) with the whole
 * judgement of src/scanning/judge.ts: identity check, unscannable rule, secrets, exceptions, and VEX — the policy's own
 * documents and, when VEX_CONTAINER is set, the container's documents for this image. The container is read first: if
 * it cannot be read, this throws its VexSourceError (the activity retries; the callback answers 503 before it claims
 * the scan), so no image is judged without the VEX it should have had.
 */
export async function judgeReport(
  services: JudgeServices,
  image: ImageKey,
  outcome: NormaliseOutcome,
  now: string,
): Promise<Extract<ScanPoll, { state: "done" }>> {
  const target = { repository: image.repository, digest: image.digest };
  const vex = services.vex ? await services.vex.forImage({ ...target, loginServer: image.loginServer }) : undefined;
  const judgement = judgeScanReport({ report: outcome, image: target, policy: services.policy, vex, now });
  return {
    state: "done",
    verdict: summarise(judgement, image.digest, services.policyVersion, services.vex !== undefined),
  };
}

function summarise(judgement: Judgement, digest: string, policyVersion: string, vexContainer: boolean): VerdictSummary {
  const summary: VerdictSummary = {
    decision: judgement.decision,
    platforms: [{ digest, decision: judgement.decision, reasons: judgement.reasons.map(describeReason) }],
    severityCounts: { ...judgement.severityCounts },
    findings: judgement.findings,
    scanner: judgement.scanner,
    policyVersion,
    evaluatedAt: judgement.evaluatedAt,
  };
  // N-of-M: only a rule that asks for more than one approver says so (verdicts of older histories have no field).
  const approvals = requiredApprovals(judgement.rule.settings);
  if (approvals !== 1) summary.requiredApprovals = approvals;
  const vex = vexBrief(judgement.vex);
  // Only when VEX is in play (a container, policy documents, or VEX that could not be applied): history stays small.
  if (vexContainer || vex.documents.length > 0 || vex.notApplied !== undefined) summary.vex = vex;
  return summary;
}

const MAX_BRIEF_SUPPRESSIONS = 20;

export function vexBrief(vex: VexSummary): VexBrief {
  return {
    documents: vex.documents.map(({ id, source, location }) => ({ id, source, location })),
    suppressedFindings: vex.suppressedFindings,
    suppressions: vex.suppressions.slice(0, MAX_BRIEF_SUPPRESSIONS).map((s) => ({
      vulnerability: s.vulnerability,
      document: s.document,
      statementIndex: s.statementIndex,
      findings: s.findings,
      packages: s.packages,
    })),
    ...(vex.notApplied ? { notApplied: vex.notApplied.reason } : {}),
  };
}

/** One line for people (quarantineDetails' description, the audit): what VEX did. */
export function describeVex(vex: VexBrief): string {
  if (vex.notApplied) return `VEX not applied: ${vex.notApplied}`;
  if (vex.suppressions.length === 0) return `VEX: ${vex.documents.length} document(s), nothing suppressed`;
  const statements = vex.suppressions.map((s) => `${s.vulnerability} (${s.document}#${s.statementIndex})`);
  return `VEX suppressed ${vex.suppressedFindings} finding(s): ${statements.join(", ")}`;
}
