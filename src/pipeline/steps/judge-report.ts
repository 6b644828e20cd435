import { DEFAULT_MAX_REASONS, judgeScanReport, type Judgement } from "../../scanning/judge.js";
import type { NormaliseOutcome } from "../../scanning/normalise/index.js";
import type { VexSummary } from "../../scanning/vex/summary.js";
import type { GateServices } from "../services.js";
import type { ImageKey, ScanPoll, VerdictSummary, VexBrief } from "../contract/index.js";
import { describeReason } from "../reasons.js";
import { requiredApprovals } from "../../policy/rules.js";
import { findingRows, type FindingRow } from "../views/findings.js";
import { FindingsNotSavedError } from "../errors.js";

export type JudgeServices = Pick<GateServices, "policy" | "policyVersion" | "vex" | "findings">;

/**
 * Judges one manifest's report (or the error that made it unusable: the policy fails closed on it) with the whole
 * judgement of src/scanning/judge.ts: identity check, unscannable rule, secrets, exceptions, and VEX — the policy's own
 * documents and, when VEX_CONTAINER is set, the container's documents for this image. The container is read first: if
 * it cannot be read, this throws its VexSourceError (the activity retries; the callback answers 503 before it claims
 * the scan), so no image is judged without the VEX it should have had.
 *
 * Then it stores the findings rows (one per finding, with what the policy made of it: the image page's table) through
 * FindingsStore, before the verdict goes anywhere. Only the compact verdict is returned (it travels through durable
 * history; the rows, which may be thousands, stay in their blob). If they cannot be stored this throws a
 * FindingsNotSavedError and no verdict is handed on: the caller tries again (docs/pipeline.md "Findings rows"), so an
 * approver never sees a verdict whose findings the page cannot show, and nothing is released by the failure.
 */
export async function judgeReport(
  services: JudgeServices,
  image: ImageKey,
  outcome: NormaliseOutcome,
  now: string,
): Promise<Extract<ScanPoll, { state: "done" }>> {
  const target = { repository: image.repository, digest: image.digest };
  const vex = services.vex ? await services.vex.forImage({ ...target, loginServer: image.loginServer }) : undefined;
  // Every reason is kept for the rows; the verdict carries the most decisive ones (decisiveReasons is a stable
  // ordering, so its first DEFAULT_MAX_REASONS are those a judgement with the default limit keeps).
  const judgement = judgeScanReport({
    report: outcome,
    image: target,
    policy: services.policy,
    vex,
    now,
    maxReasons: Number.MAX_SAFE_INTEGER,
  });
  await saveFindings(services.findings, image, rowsOf(outcome, judgement), now);
  return {
    state: "done",
    verdict: summarise(
      { ...judgement, reasons: judgement.reasons.slice(0, DEFAULT_MAX_REASONS) },
      image.digest,
      services.policyVersion,
      services.vex !== undefined,
    ),
  };
}

/** The rows of a usable report about this image; none for an unusable one or one about another image. */
function rowsOf(outcome: NormaliseOutcome, judgement: Judgement): FindingRow[] {
  if (!outcome.ok || !judgement.report.ok || judgement.report.code !== undefined) return [];
  return findingRows(outcome.report.findings, judgement.reasons);
}

async function saveFindings(
  store: JudgeServices["findings"],
  image: ImageKey,
  rows: FindingRow[],
  now: string,
): Promise<void> {
  try {
    await store.save(image, rows, now);
  } catch (error) {
    // Only the storage error's code and status: its message may name the storage endpoint.
    const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
    const upstreamCode = typeof code === "string" ? code : undefined;
    const why = [upstreamCode, typeof statusCode === "number" ? `status ${statusCode}` : undefined].filter(Boolean);
    throw new FindingsNotSavedError(
      `the findings of ${image.repository}@${image.digest} could not be stored (${why.join(", ") || "storage error"})`,
      { cause: error, ...(upstreamCode === undefined ? {} : { upstreamCode }) },
    );
  }
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
