import { judgeScanReport, type JudgeInput } from "../../scanning/judge.js";
import type { Finding } from "../../scanning/findings.js";
import type { FindingRef, Reason } from "../../policy/index.js";

/**
 * One row of the image page's findings table: what the report says, and what the policy made of it — and why, in
 * the policy's own terms (the exception's approver and expiry, the VEX statement, ignoreUnfixed).
 */
export interface FindingRow {
  id: string;
  kind: "vulnerability" | "secret" | "misconfiguration";
  package: string;
  installed: string;
  fixed?: string;
  severity: string;
  target: string;
  /** What the policy did with it; `counted` when it was judged by the thresholds (including below them). */
  disposition:
    | "blocks"
    | "needs-approval"
    | "excepted"
    | "exception-expired"
    | "vex-suppressed"
    | "ignored-unfixed"
    | "ignored-unknown"
    | "counted";
  why?: string;
}

/** Rows kept per image: a report may list thousands; the page and the store keep the first ones, most severe first. */
export const MAX_FINDING_ROWS = 5_000;

const refKey = (f: Pick<FindingRef, "vulnerabilityId" | "package" | "installedVersion" | "target">) =>
  JSON.stringify([f.vulnerabilityId, f.package, f.installedVersion, f.target]);

const SEVERITY_ORDER = ["Critical", "High", "Medium", "Low", "Negligible", "Unknown"];

function dispositionOf(reason: Reason): Pick<FindingRow, "disposition" | "why"> | undefined {
  switch (reason.kind) {
    case "finding-blocks":
      return { disposition: "blocks", why: `${reason.setting}${reason.threshold ? ` ${reason.threshold}` : ""}` };
    case "finding-needs-approval":
      return {
        disposition: "needs-approval",
        why: `${reason.setting}${reason.threshold ? ` ${reason.threshold}` : ""}`,
      };
    case "exception-applied":
      return {
        disposition: "excepted",
        why: `${reason.exception.id ?? `exception ${reason.exception.index}`} until ${reason.exception.expires}, approved by ${reason.exception.approvedBy}: ${reason.exception.justification}`,
      };
    case "exception-expired":
      return { disposition: "exception-expired", why: `exception expired ${reason.exception.expires}` };
    case "vex-suppressed":
      return {
        disposition: "vex-suppressed",
        why: `${reason.statement.status} per ${reason.statement.document}#${reason.statement.statementIndex}${reason.statement.justification ? ` (${reason.statement.justification})` : ""}`,
      };
    case "unfixed-ignored":
      return { disposition: "ignored-unfixed", why: "no fixed version; the rule has ignoreUnfixed" };
    case "unknown-severity-ignored":
      return { disposition: "ignored-unknown", why: "unknown severity; the rule ignores it" };
    default:
      return undefined;
  }
}

/** The rows of a report, given every reason the policy gave (not only the decisive ones). */
export function findingRows(findings: readonly Finding[], reasons: readonly Reason[]): FindingRow[] {
  const byFinding = new Map<string, Pick<FindingRow, "disposition" | "why">>();
  for (const reason of reasons) {
    if (!("finding" in reason)) continue;
    const disposition = dispositionOf(reason);
    // The first reason for a finding is its strongest (an expired exception comes before the block it leads to).
    if (disposition && !byFinding.has(refKey(reason.finding))) byFinding.set(refKey(reason.finding), disposition);
  }
  return findings
    .map((f) => ({
      id: f.vulnerabilityId,
      kind: f.kind ?? "vulnerability",
      package: f.package.name,
      installed: f.package.installedVersion,
      ...(f.package.fixedVersion ? { fixed: f.package.fixedVersion } : {}),
      severity: f.severity,
      target: f.target,
      ...(byFinding.get(
        refKey({
          vulnerabilityId: f.vulnerabilityId,
          package: f.package.name,
          installedVersion: f.package.installedVersion,
          target: f.target,
        }),
      ) ?? { disposition: "counted" as const }),
    }))
    .sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity))
    .slice(0, MAX_FINDING_ROWS);
}

/**
 * The rows for a report as the gate judges it (src/scanning/judge.ts with every reason kept), judged on its own. The
 * scan step does not call this: it builds the rows from the one judgement it makes (steps/judge-report.ts). An
 * unusable report has no rows.
 */
export function judgedFindingRows(input: Omit<JudgeInput, "maxReasons">): FindingRow[] {
  const report = input.report;
  if (typeof report !== "object" || report instanceof Uint8Array || !("ok" in report) || !report.ok) return [];
  const judgement = judgeScanReport({ ...input, maxReasons: Number.MAX_SAFE_INTEGER });
  return findingRows(report.report.findings, judgement.reasons);
}
