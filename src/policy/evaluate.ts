import { compiledPolicy } from "./compiled.js";
import { PolicyError } from "./errors.js";
import { idKey } from "./ids.js";
import { instantOf } from "./instant.js";
import type { OpenVexDocument } from "./openvex.js";
import type {
  Decision,
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
  /** A document returned by parsePolicy or loadPolicy. */
  policy: PolicyDocument;
  image: ImageRef;
  report: ReportOutcome;
  /**
   * The OpenVEX documents (from parseOpenVex) that apply to this image, in order. Absent: the policy's own `vex`
   * documents. Statement refs in the verdict carry their document's index in this list.
   */
  vex?: readonly OpenVexDocument[];
  /** The instant to judge exception expiry against; the orchestrator passes its replay-safe clock. */
  now: Date | string;
}

// The policy folder depends on nothing but types, so it keeps its own copy of the severity order. A switch rather
// than a table: thousands of lookups per image, and a keyed load on six names is slower than comparing them.
function rankOf(severity: string): number | undefined {
  switch (severity) {
    case "Critical":
      return 5;
    case "High":
      return 4;
    case "Medium":
      return 3;
    case "Low":
      return 2;
    case "Negligible":
      return 1;
    case "Unknown":
      return 0;
    default:
      return undefined;
  }
}
const DECISION_RANK: Readonly<Record<Decision, number>> = { pass: 0, needsApproval: 1, fail: 2 };

/** A threshold the rank table does not know (a policy that skipped parsePolicy) is as strict as can be: fail closed. */
/** The rank a severity must reach for a threshold: never for "none", always for one the table does not know. */
function barOf(threshold: SeverityThreshold): number {
  if (threshold === "none") return Number.POSITIVE_INFINITY;
  return rankOf(threshold) ?? Number.NEGATIVE_INFINITY;
}

/** The rule's thresholds as ranks, worked out once per evaluation rather than once per finding. */
interface Bars {
  block: number;
  approval: number;
}

function refOf(finding: Finding): FindingRef {
  const ref: FindingRef = {
    vulnerabilityId: finding.vulnerabilityId,
    package: finding.package.name,
    installedVersion: finding.package.installedVersion,
    target: finding.target,
    severity: finding.severity,
  };
  if (finding.kind !== undefined && finding.kind !== "vulnerability") ref.kind = finding.kind;
  return ref;
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
    ignoredByKind: 0,
    belowThreshold: 0,
  };
}

function instantOfNow(now: Date | string): number {
  const time = now instanceof Date ? now.getTime() : typeof now === "string" ? instantOf(now) : undefined;
  if (time === undefined || !Number.isFinite(time)) {
    throw new PolicyError(
      `evaluatePolicy needs a valid 'now' (a Date or an RFC 3339 date-time); got ${String(now).slice(0, 60)}`,
      [],
      "policy-clock-invalid",
    );
  }
  return time;
}

/** What a finding would do on severity alone (before unfixed-ignoring and exceptions), and which setting says so. */
type Effect =
  | { kind: "blocks"; setting: "blockAt" | "unknownSeverity" | "secrets" | "misconfigurations" }
  | { kind: "needsApproval"; setting: "requireApprovalAt" | "unknownSeverity" }
  | { kind: "none" }
  | { kind: "ignoredByKind" };

// Shared, so judging thousands of findings allocates nothing for their effect.
const BLOCKS_AT: Effect = Object.freeze({ kind: "blocks", setting: "blockAt" });
const BLOCKS_UNKNOWN: Effect = Object.freeze({ kind: "blocks", setting: "unknownSeverity" });
const BLOCKS_SECRET: Effect = Object.freeze({ kind: "blocks", setting: "secrets" });
const BLOCKS_MISCONFIGURATION: Effect = Object.freeze({ kind: "blocks", setting: "misconfigurations" });
const APPROVAL_AT: Effect = Object.freeze({ kind: "needsApproval", setting: "requireApprovalAt" });
const APPROVAL_UNKNOWN: Effect = Object.freeze({ kind: "needsApproval", setting: "unknownSeverity" });
const NONE: Effect = Object.freeze({ kind: "none" });
const IGNORED_BY_KIND: Effect = Object.freeze({ kind: "ignoredByKind" });

/** A severity outside the model (a hand-built report) counts as Unknown, never as "below every threshold". */
function isUnknown(severity: Severity): boolean {
  return severity === "Unknown" || rankOf(severity) === undefined;
}

function severityEffect(finding: Finding, settings: RuleSettings, bars: Bars): Effect {
  const rank = rankOf(finding.severity);
  if (rank === undefined || rank === 0) {
    switch (settings.unknownSeverity) {
      case "ignore":
        return NONE;
      case "needsApproval":
        return APPROVAL_UNKNOWN;
      default:
        return BLOCKS_UNKNOWN;
    }
  }
  if (rank >= bars.block) return BLOCKS_AT;
  if (rank >= bars.approval) return APPROVAL_AT;
  return NONE;
}

/** Secrets and misconfigurations follow their own switch; an action the switch does not know blocks (fail closed). */
function kindEffect(
  finding: Finding,
  settings: RuleSettings,
  bars: Bars,
  setting: "secrets" | "misconfigurations",
): Effect {
  const action = settings[setting];
  if (action === "ignore") return IGNORED_BY_KIND;
  if (action === "severity") return severityEffect(finding, settings, bars);
  return setting === "secrets" ? BLOCKS_SECRET : BLOCKS_MISCONFIGURATION;
}

function counted(
  finding: Finding,
  effect: Extract<Effect, { kind: "blocks" | "needsApproval" }>,
  settings: RuleSettings,
): Reason {
  const ref = refOf(finding);
  if (effect.kind === "blocks") {
    return effect.setting === "blockAt"
      ? { kind: "finding-blocks", finding: ref, setting: "blockAt", threshold: settings.blockAt }
      : { kind: "finding-blocks", finding: ref, setting: effect.setting };
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

function failed(rule: EffectiveRule, reason: Reason, evaluatedAt: string): Verdict {
  return { decision: "fail", rule, reasons: [reason], tally: emptyTally(0), evaluatedAt };
}

/** The manifest digests a report names for its image; each must be the judged image's. */
function digestsOf(report: { artifact?: { digest?: unknown; digests?: unknown } }): string[] {
  const { digest, digests } = report.artifact ?? {};
  if (Array.isArray(digests) && digests.length > 0) return digests.map(String);
  return typeof digest === "string" ? [digest] : [];
}

/**
 * Judges one image. A report that could not be used fails the image (no report is never a clean report); a report
 * naming another image fails it. Then per finding, in order: an OpenVEX not_affected/fixed statement suppresses a
 * vulnerability; a secret or misconfiguration follows its own switch; otherwise the severity (or unknownSeverity)
 * says whether it blocks or needs approval; an unfixed vulnerability is then ignored if the rule says so; a valid
 * exception excuses it, an expired one is reported and excuses nothing. Any blocking finding fails the image; else
 * any finding needing approval (or autoRelease off) asks for approval. A report that shows no completed scan is never
 * a pass: the rule's `unscannable` decides between fail and needsApproval, and the worse of that and the findings wins.
 */
export function evaluatePolicy(input: PolicyInput): Verdict {
  const now = instantOfNow(input.now);
  const evaluatedAt = new Date(now).toISOString();
  const compiled = compiledPolicy(input.policy);
  const rule: EffectiveRule = compiled.ruleFor(input.image.repository);
  const outcome = input.report as ReportOutcome | undefined;
  if (outcome?.ok !== true || !Array.isArray(outcome.report?.findings)) {
    const error =
      outcome?.ok === false ? outcome.error : { code: "report-missing", message: "No scan report was provided" };
    return failed(
      rule,
      { kind: "report-unusable", code: String(error?.code), message: String(error?.message) },
      evaluatedAt,
    );
  }

  // Every digest the report names for its image must be this image's: a report about some other image (even in part,
  // or contradicting itself) says nothing about this one.
  const other = digestsOf(outcome.report).find((digest) => digest !== input.image.digest);
  if (other !== undefined) {
    return failed(
      rule,
      { kind: "report-for-another-image", reportDigest: other, imageDigest: input.image.digest },
      evaluatedAt,
    );
  }

  const { settings } = rule;
  const bars: Bars = { block: barOf(settings.blockAt), approval: barOf(settings.requireApprovalAt) };
  const findings = outcome.report.findings;
  const vex = new VexIndex(input.vex ?? input.policy.vex ?? [], input.image);
  const exceptions = compiled.exceptions;
  const reasons: Reason[] = [];
  const tally = emptyTally(findings.length);

  for (const finding of findings) {
    const kind = finding.kind ?? "vulnerability";
    const key = idKey(finding.vulnerabilityId);
    let effect: Effect;
    if (kind === "vulnerability") {
      const statement = vex.suppression(finding, key);
      if (statement !== undefined) {
        reasons.push({ kind: "vex-suppressed", finding: refOf(finding), statement });
        tally.suppressedByVex += 1;
        continue;
      }
      effect = severityEffect(finding, settings, bars);
    } else {
      effect = kindEffect(finding, settings, bars, kind === "secret" ? "secrets" : "misconfigurations");
    }
    if (effect.kind === "ignoredByKind") {
      tally.ignoredByKind += 1;
      continue;
    }
    if (effect.kind === "none") {
      if (isUnknown(finding.severity)) {
        reasons.push({ kind: "unknown-severity-ignored", finding: refOf(finding) });
        tally.ignoredUnknown += 1;
      } else {
        tally.belowThreshold += 1;
      }
      continue;
    }
    // "No fix available" is about vulnerabilities; a leaked secret is not waiting for a package update.
    if (kind === "vulnerability" && settings.ignoreUnfixed && !finding.fixable) {
      reasons.push({ kind: "unfixed-ignored", finding: refOf(finding) });
      tally.ignoredUnfixed += 1;
      continue;
    }
    const match = exceptions.match(finding, input.image, now, key);
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

  let decision: Decision = "pass";
  if (tally.blocking > 0) {
    decision = "fail";
  } else if (tally.needingApproval > 0) {
    decision = "needsApproval";
  }
  const unscanned = outcome.report.unscanned;
  if (unscanned !== undefined) {
    // An action the rule does not know (a policy that skipped validation) fails.
    const action = settings.unscannable === "needsApproval" ? "needsApproval" : "fail";
    reasons.unshift({
      kind: "report-unusable",
      code: unscanned.code === "scan-failed" ? "report-scan-failed" : "report-nothing-scanned",
      message: String(unscanned.message),
      action,
    });
    if (DECISION_RANK[action] > DECISION_RANK[decision]) decision = action;
  }
  if (decision === "pass" && !settings.autoRelease) {
    decision = "needsApproval";
    reasons.push({ kind: "auto-release-off" });
  }
  return { decision, rule, reasons, tally, evaluatedAt };
}
