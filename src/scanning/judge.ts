import {
  decisiveReasons,
  evaluatePolicy,
  type Decision,
  type EffectiveRule,
  type ImageRef,
  type PolicyDocument,
  type Reason,
  type ReportOutcome,
  type Tally,
} from "../policy/index.js";
import type { ReportFormat, SeverityCounts } from "./findings.js";
import { tryNormaliseReport, type NormaliseOutcome, type ReportLimits } from "./normalise/index.js";
import type { VexSelection } from "./vex/selection.js";
import { notAppliedSummary, vexSummary, type AppliedVexDocument, type VexSummary } from "./vex/summary.js";

export interface JudgeInput {
  /** The report as received (bytes or text: detected, size-checked, normalised here), or an outcome already made. */
  report: string | Uint8Array | NormaliseOutcome;
  /** The manifest being judged; a report naming another digest fails. */
  image: ImageRef;
  /** From loadPolicy/parsePolicy. Its own `vex` documents apply to every image. */
  policy: PolicyDocument;
  /** The VEX container's documents for this image (VexContainerSource.forImage), when one is configured. */
  vex?: VexSelection;
  /** The replay-safe clock of the caller: exceptions expire against it. */
  now: Date | string;
  /** Report size limit (default 8 MiB). */
  limits?: ReportLimits;
  /** Most decisive reasons kept (default 20). */
  maxReasons?: number;
}

/** What was judged, in brief: the format, whether it was usable, and why not. */
export interface JudgedReport {
  ok: boolean;
  format?: ReportFormat;
  /** The ReportError code, or report-scan-failed / report-nothing-scanned for an unscanned report. */
  code?: string;
}

/**
 * The judgement of one manifest, plain data small enough for durable history: the decision, the rule, the most
 * decisive reasons (structured; describe them for people), counts, and what VEX did (documents, suppressions, or why
 * none applied). The full findings never leave this function.
 */
export interface Judgement {
  decision: Decision;
  rule: EffectiveRule;
  /** The most decisive reasons first (decisiveReasons), at most maxReasons. */
  reasons: Reason[];
  omittedReasons: number;
  tally: Tally;
  /** Severity counts of every finding the report lists; empty when the report was unusable. */
  severityCounts: Partial<SeverityCounts>;
  findings: number;
  /** "name version" of the scanner, or "unknown". */
  scanner: string;
  report: JudgedReport;
  vex: VexSummary;
  evaluatedAt: string;
}

/** The most decisive reasons a judgement keeps unless told otherwise (and the most a verdict summary carries). */
export const DEFAULT_MAX_REASONS = 20;

function isOutcome(report: JudgeInput["report"]): report is NormaliseOutcome {
  return typeof report === "object" && report !== null && !(report instanceof Uint8Array) && "ok" in report;
}

/**
 * The VEX that applies: the policy's documents, then the container's chosen for this image. All or nothing: when any
 * container document could not be read, none is applied (an unreadable document might be the `affected` statement
 * that revokes another's `not_affected`), so VEX can only ever be missing in the strict direction.
 */
function vexToApply(
  policy: PolicyDocument,
  selection: VexSelection | undefined,
): { applied: AppliedVexDocument[] } | { notApplied: VexSummary } {
  if (selection !== undefined && selection.problems.length > 0) {
    const count = selection.problems.length;
    return {
      notApplied: notAppliedSummary(
        `${count} problem${count === 1 ? "" : "s"} with the VEX container's documents (first: ${selection.problems[0]?.location}: ${selection.problems[0]?.message})`,
        selection.problems,
      ),
    };
  }
  const applied: AppliedVexDocument[] = (policy.vex ?? []).map((document, index) => ({
    document,
    source: "policy",
    location: `/vex/${index}`,
  }));
  for (const { document, location } of selection?.documents ?? [])
    applied.push({ document, source: "container", location });
  return { applied };
}

/**
 * The whole judgement of one scanned manifest, behind one call: detect the format, check the size, normalise (keys
 * read as the producer reads them), refuse a report about another image or one whose identity cannot be read, treat a
 * report that shows no completed scan by the `unscannable` rule, count secrets (and misconfigurations if the rule says
 * so), evaluate against the policy with exceptions, and apply VEX (policy and container) with provenance.
 *
 * Pure and synchronous: the caller loads VEX first (VexContainerSource.forImage) and passes its clock. A report that
 * cannot be used is a failing judgement, not an exception; what throws is a PolicyError (the policy or the clock
 * cannot be used) or a VexError (a VEX document handed over without parseOpenVex), and a defect.
 */
export function judgeScanReport(input: JudgeInput): Judgement {
  // CVSS scores are left out: nothing in a judgement reads them.
  const outcome = isOutcome(input.report)
    ? input.report
    : tryNormaliseReport(input.report, { ...input.limits, cvss: false });
  const report: ReportOutcome = outcome.ok
    ? outcome
    : { ok: false, error: { code: outcome.error.code, message: outcome.error.message } };
  const vex = vexToApply(input.policy, input.vex);
  const verdict = evaluatePolicy({
    policy: input.policy,
    image: { repository: input.image.repository, digest: input.image.digest },
    report,
    vex: "applied" in vex ? vex.applied.map(({ document }) => document) : [],
    now: input.now,
  });
  const maxReasons = input.maxReasons ?? DEFAULT_MAX_REASONS;
  const reasons = decisiveReasons(verdict, maxReasons);
  const judged: JudgedReport = outcome.ok ? { ok: true, format: outcome.report.format } : { ok: false };
  const first = verdict.reasons[0];
  const anotherImage = first?.kind === "report-for-another-image";
  if (!outcome.ok) judged.code = outcome.error.code;
  else if (anotherImage) judged.code = "report-for-another-image";
  else if (first?.kind === "report-unusable") judged.code = first.code;
  return {
    decision: verdict.decision,
    rule: verdict.rule,
    reasons,
    omittedReasons: verdict.reasons.length - reasons.length,
    tally: verdict.tally,
    // The counts of a report about another image are that image's, not this one's.
    severityCounts: outcome.ok && !anotherImage ? { ...outcome.report.counts } : {},
    findings: verdict.tally.findings,
    scanner: outcome.ok
      ? [outcome.report.scanner.name, outcome.report.scanner.version].filter(Boolean).join(" ")
      : "unknown",
    report: judged,
    vex: "applied" in vex ? vexSummary(vex.applied, verdict.reasons) : vex.notApplied,
    evaluatedAt: verdict.evaluatedAt,
  };
}
