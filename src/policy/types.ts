import type { Finding, FindingKind, NormalisedReport, Severity } from "../scanning/findings.js";
import type { OpenVexDocument } from "./openvex.js";

/** "none" switches a threshold off: nothing blocks (or nothing needs approval) on severity alone. */
export type SeverityThreshold = Exclude<Severity, "Unknown"> | "none";

export type UnknownSeverityAction = "fail" | "needsApproval" | "ignore";

/** What a report that does not show a completed scan (NormalisedReport.unscanned) turns into. Never a pass. */
export type UnscannableAction = "fail" | "needsApproval";

/**
 * How secrets and misconfigurations count: "severity" judges them by blockAt / requireApprovalAt like any finding
 * (ignoreUnfixed and VEX do not apply to them), "block" makes any of them block, "ignore" leaves them out.
 */
export type FindingKindAction = "severity" | "block" | "ignore";

/** What a rule decides. In the policy document every field is optional; defaults are in rules.ts. */
export interface RuleSettings {
  /** Findings of this severity or higher fail the image. */
  blockAt: SeverityThreshold;
  /** Findings of this severity or higher, but below blockAt, need a person's approval. */
  requireApprovalAt: SeverityThreshold;
  /** Findings without a fixed version neither block nor need approval. */
  ignoreUnfixed: boolean;
  /** What a finding of Unknown severity does; thresholds cannot rank it. */
  unknownSeverity: UnknownSeverityAction;
  /** False: even a clean image waits for a person's approval before release. */
  autoRelease: boolean;
  /** A report that says its scan failed, or that scanned nothing. */
  unscannable: UnscannableAction;
  /** Leaked secrets found in the image (Trivy `Secrets`). */
  secrets: FindingKindAction;
  /** Failed configuration checks (Trivy `Misconfigurations`). */
  misconfigurations: FindingKindAction;
  /**
   * N-of-M: how many distinct people must approve an image this rule sends to a person (1 to 20). Absent: 1
   * (requiredApprovals in rules.ts). A rejection by any one of them decides at once.
   */
  approvals?: number;
}

export interface RepositoryRule {
  /** Repository name globs (picomatch; `*` stays within one path segment, `**` crosses them; case-insensitive). */
  match: string[];
  rule: Partial<RuleSettings>;
}

export interface PolicyException {
  /** A name for audit records; the position in the list is used when absent. */
  id?: string;
  /** The vulnerability id or one of its aliases. */
  vulnerability: string;
  /** Package name; absent means any package. */
  package?: string;
  /** Repository name glob; absent means every repository. */
  repository?: string;
  /** Manifest digest; absent means every digest. */
  digest?: string;
  /** RFC 3339 date-time with a zone; at and after this instant the exception no longer applies. */
  expires: string;
  justification: string;
  approvedBy: string;
}

/** What the gate does when a remediation deadline passes: re-block the image, or only say so. */
export type OnDueAction = "block" | "warn";

/** Days to fix a violating finding on a released image, per severity; a severity without one gets no deadline. */
export type RemediationSla = Partial<Record<Severity, number>>;

/** The settings a repository entry of `remediation` may override. */
export interface RemediationOverrides {
  sla?: RemediationSla;
  /** Released images pushed within this many days are re-evaluated. */
  reevaluationWindowDays?: number;
  onDue?: OnDueAction;
  /** True: at a deadline the gate asks for an approval before it blocks (it never blocks on its own). */
  protected?: boolean;
}

export interface RemediationRepositoryRule extends RemediationOverrides {
  /** Repository globs, as in `repositories[].match`. */
  match: string[];
}

/** Re-evaluation of released images and deadlines for what it finds (docs/policy.md, "Remediation"). */
export interface RemediationPolicy extends RemediationOverrides {
  /** Reminders go out this many days before a deadline (each once). */
  reminderDaysBefore?: number[];
  /** How long a break-glass release lasts before the image is judged again. */
  breakGlassExpiryHours?: number;
  repositories?: RemediationRepositoryRule[];
}

export interface PolicyDocument {
  version: 1;
  remediation?: RemediationPolicy;
  defaultRule?: Partial<RuleSettings>;
  repositories?: RepositoryRule[];
  exceptions?: PolicyException[];
  /** OpenVEX documents that apply to every image (each validated by parseOpenVex when the policy is loaded). */
  vex?: OpenVexDocument[];
}

export type Decision = "pass" | "fail" | "needsApproval";

/** Which rule decided: the default, or the repository entry at `index` whose `pattern` matched. */
export type RuleSource = { source: "default" } | { source: "repository"; index: number; pattern: string };

export interface EffectiveRule {
  from: RuleSource;
  settings: RuleSettings;
}

export interface FindingRef {
  /** Absent: a vulnerability. */
  kind?: FindingKind;
  vulnerabilityId: string;
  package: string;
  installedVersion: string;
  target: string;
  severity: Severity;
}

export interface ExceptionRef {
  index: number;
  id?: string;
  vulnerability: string;
  expires: string;
  approvedBy: string;
  justification: string;
}

export interface VexStatementRef {
  /** The OpenVEX document's `@id`. */
  document: string;
  /** The document's position in the VEX documents the verdict was computed with (ids need not be unique). */
  documentIndex: number;
  statementIndex: number;
  vulnerability: string;
  status: "not_affected" | "fixed";
  justification?: string;
  impactStatement?: string;
}

export type Reason =
  /**
   * No usable report. `action` is set when the report was readable but did not show a completed scan
   * (code report-scan-failed or report-nothing-scanned): what the rule's `unscannable` setting made of it.
   */
  | { kind: "report-unusable"; code: string; message: string; action?: UnscannableAction }
  | { kind: "report-for-another-image"; reportDigest: string; imageDigest: string }
  | {
      kind: "finding-blocks";
      finding: FindingRef;
      setting: "blockAt" | "unknownSeverity" | "secrets" | "misconfigurations";
      threshold?: SeverityThreshold;
    }
  | {
      kind: "finding-needs-approval";
      finding: FindingRef;
      setting: "requireApprovalAt" | "unknownSeverity";
      threshold?: SeverityThreshold;
    }
  | { kind: "unknown-severity-ignored"; finding: FindingRef }
  | { kind: "unfixed-ignored"; finding: FindingRef }
  | { kind: "exception-applied"; finding: FindingRef; exception: ExceptionRef }
  | { kind: "exception-expired"; finding: FindingRef; exception: ExceptionRef }
  | { kind: "vex-suppressed"; finding: FindingRef; statement: VexStatementRef }
  | { kind: "auto-release-off" };

export interface Tally {
  findings: number;
  blocking: number;
  needingApproval: number;
  suppressedByVex: number;
  excepted: number;
  ignoredUnfixed: number;
  ignoredUnknown: number;
  /** Secrets or misconfigurations the rule says to ignore. */
  ignoredByKind: number;
  belowThreshold: number;
}

export interface Verdict {
  decision: Decision;
  rule: EffectiveRule;
  reasons: Reason[];
  tally: Tally;
  /** The `now` the verdict was computed for (exceptions are judged against it). */
  evaluatedAt: string;
}

/** The report as the pipeline hands it over: normalised, or the typed error that stopped normalisation. */
export type ReportOutcome =
  { ok: true; report: NormalisedReport } | { ok: false; error: { code: string; message: string } };

export interface ImageRef {
  repository: string;
  digest: string;
}

export type { Finding, Severity };
