import { ExceptionIndex } from "./exceptions.js";
import type { OpenVexDocument } from "./openvex.js";
import { resolveRule } from "./rules.js";
import type {
  EffectiveRule,
  Finding,
  FindingRef,
  ImageRef,
  PolicyDocument,
  Reason,
  ReportOutcome,
  RuleSettings,
  Severity,
  SeverityThreshold,
  Tally,
  Verdict,
} from "./types.js";
import { VexIndex } from "./vex.js";

export interface PolicyInput {
  /** A document returned by parsePolicy. */
  policy: PolicyDocument;
  image: ImageRef;
  report: ReportOutcome;
  /** OpenVEX documents (from parseOpenVex) that the caller has chosen for this image. */
  vex?: readonly OpenVexDocument[];
  /** The instant to judge exception expiry against; the orchestrator passes its replay-safe clock. */
  now: Date | string;
}

// The policy folder depends on nothing but types, so it keeps its own copy of the severity order.
const RANK: Readonly<Record<Severity, number>> = { Unknown: 0, Negligible: 1, Low: 2, Medium: 3, High: 4, Critical: 5 };

/** A threshold the rank table does not know (a policy that skipped parsePolicy) is as strict as can be: fail closed. */
function reaches(severity: Severity, threshold: SeverityThreshold): boolean {
  if (threshold === "none") return false;
  const bar = RANK[threshold] as number | undefined;
  return bar === undefined || RANK[severity] >= bar;
}

function refOf(finding: Finding): FindingRef {
  return {
    vulnerabilityId: finding.vulnerabilityId,
    package: finding.package.name,
    installedVersion: finding.package.installedVersion,
    target: finding.target,
    severity: finding.severity,
  };
}

function emptyTally(findings: number): Tally {
  return {
    findings,
    blocking: 0,
    needingApproval: 0,
    suppressedByVex: 0,
    excepted: 0,
    ignoredUnfixed: 0,
    ignoredUnknown: 0,
    belowThreshold: 0,
  };
}

function instantOf(now: Date | string): number {
  const time = now instanceof Date ? now.getTime() : Date.parse(now);
  if (!Number.isFinite(time)) throw new TypeError(`evaluatePolicy needs a valid 'now'; got ${String(now)}`);
  return time;
}

/** What a finding would do on severity alone (before unfixed-ignoring and exceptions), and which setting says so. */
type Effect =
  | { kind: "blocks"; setting: "blockAt" | "unknownSeverity" }
  | { kind: "needsApproval"; setting: "requireApprovalAt" | "unknownSeverity" }
  | { kind: "none" };

/** A severity outside the model (a hand-built report) counts as Unknown, never as "below every threshold". */
function isUnknown(severity: Severity): boolean {
  return severity === "Unknown" || (RANK[severity] as number | undefined) === undefined;
}

function effectOf(finding: Finding, settings: RuleSettings): Effect {
  if (isUnknown(finding.severity)) {
    switch (settings.unknownSeverity) {
      case "ignore":
        return { kind: "none" };
      case "needsApproval":
        return { kind: "needsApproval", setting: "unknownSeverity" };
      default:
        return { kind: "blocks", setting: "unknownSeverity" };
    }
  }
  if (reaches(finding.severity, settings.blockAt)) return { kind: "blocks", setting: "blockAt" };
  if (reaches(finding.severity, settings.requireApprovalAt))
    return { kind: "needsApproval", setting: "requireApprovalAt" };
  return { kind: "none" };
}

function counted(finding: Finding, effect: Exclude<Effect, { kind: "none" }>, settings: RuleSettings): Reason {
  const ref = refOf(finding);
  if (effect.kind === "blocks") {
    return effect.setting === "blockAt"
      ? { kind: "finding-blocks", finding: ref, setting: "blockAt", threshold: settings.blockAt }
      : { kind: "finding-blocks", finding: ref, setting: "unknownSeverity" };
  }
  return effect.setting === "requireApprovalAt"
    ? {
        kind: "finding-needs-approval",
        finding: ref,
        setting: "requireApprovalAt",
        threshold: settings.requireApprovalAt,
      }
    : { kind: "finding-needs-approval", finding: ref, setting: "unknownSeverity" };
}

/**
 * Judges one image. Per finding, in order: an OpenVEX not_affected/fixed statement suppresses it; otherwise its
 * severity (or the unknownSeverity setting) says whether it blocks or needs approval; an unfixed finding is then
 * ignored if the rule says so; a valid exception excuses it, an expired one is reported and excuses nothing.
 * Any blocking finding fails the image; else any finding needing approval (or autoRelease off) asks for approval.
 * A report that could not be used fails the image: no report is never a clean report.
 */
export function evaluatePolicy(input: PolicyInput): Verdict {
  const now = instantOf(input.now);
  const evaluatedAt = new Date(now).toISOString();
  const rule: EffectiveRule = resolveRule(input.policy, input.image.repository);
  const outcome = input.report as ReportOutcome | undefined;
  if (outcome?.ok !== true || !Array.isArray(outcome.report?.findings)) {
    const error =
      outcome?.ok === false ? outcome.error : { code: "report-missing", message: "No scan report was provided" };
    return {
      decision: "fail",
      rule,
      reasons: [{ kind: "report-unusable", code: String(error.code), message: String(error.message) }],
      tally: emptyTally(0),
      evaluatedAt,
    };
  }

  const reportDigest = outcome.report.artifact?.digest;
  if (reportDigest !== undefined && reportDigest !== input.image.digest) {
    // A report about some other image says nothing about this one.
    return {
      decision: "fail",
      rule,
      reasons: [{ kind: "report-for-another-image", reportDigest, imageDigest: input.image.digest }],
      tally: emptyTally(0),
      evaluatedAt,
    };
  }

  const { settings } = rule;
  const findings = outcome.report.findings;
  const vex = new VexIndex(input.vex ?? [], input.image);
  const exceptions = new ExceptionIndex(input.policy, input.image);
  const reasons: Reason[] = [];
  const tally = emptyTally(findings.length);

  for (const finding of findings) {
    const statement = vex.suppression(finding);
    if (statement !== undefined) {
      reasons.push({ kind: "vex-suppressed", finding: refOf(finding), statement });
      tally.suppressedByVex += 1;
      continue;
    }
    const effect = effectOf(finding, settings);
    if (effect.kind === "none") {
      if (isUnknown(finding.severity)) {
        reasons.push({ kind: "unknown-severity-ignored", finding: refOf(finding) });
        tally.ignoredUnknown += 1;
      } else {
        tally.belowThreshold += 1;
      }
      continue;
    }
    if (settings.ignoreUnfixed && !finding.fixable) {
      reasons.push({ kind: "unfixed-ignored", finding: refOf(finding) });
      tally.ignoredUnfixed += 1;
      continue;
    }
    const match = exceptions.match(finding, now);
    if (match.applied !== undefined) {
      reasons.push({ kind: "exception-applied", finding: refOf(finding), exception: match.applied });
      tally.excepted += 1;
      continue;
    }
    for (const exception of match.expired)
      reasons.push({ kind: "exception-expired", finding: refOf(finding), exception });
    reasons.push(counted(finding, effect, settings));
    if (effect.kind === "blocks") tally.blocking += 1;
    else tally.needingApproval += 1;
  }

  let decision: Verdict["decision"] = "pass";
  if (tally.blocking > 0) {
    decision = "fail";
  } else if (tally.needingApproval > 0) {
    decision = "needsApproval";
  } else if (!settings.autoRelease) {
    decision = "needsApproval";
    reasons.push({ kind: "auto-release-off" });
  }
  return { decision, rule, reasons, tally, evaluatedAt };
}
