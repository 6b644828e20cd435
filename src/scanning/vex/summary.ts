import type { OpenVexDocument, Reason, VexStatementRef } from "../../policy/index.js";
import type { VexDocumentProblem } from "./selection.js";

/** Where a VEX document the judgement used came from. */
export type VexSource = "policy" | "container";

/** A VEX document as the judgement applied it. */
export interface AppliedVexDocument {
  document: OpenVexDocument;
  source: VexSource;
  /** `/vex/<index>` for a policy document, the blob name for a container document. */
  location: string;
}

export interface VexDocumentRef {
  id: string;
  source: VexSource;
  location: string;
  statements: number;
}

/** One statement that suppressed findings of this image. */
export interface VexSuppression {
  document: string;
  source: VexSource;
  location: string;
  statementIndex: number;
  vulnerability: string;
  status: VexStatementRef["status"];
  justification?: string;
  /** How many findings it suppressed. */
  findings: number;
  /** The first few of them, as "package@version". */
  packages: string[];
}

/**
 * Which VEX documents applied to an image and what each statement suppressed, small enough for durable history,
 * the status, the audit record and quarantineDetails (lists are cut; the `omitted…` counts say by how much).
 */
export interface VexSummary {
  documents: VexDocumentRef[];
  omittedDocuments: number;
  suppressions: VexSuppression[];
  omittedSuppressions: number;
  suppressedFindings: number;
  /** Set when no VEX was applied at all although some was configured, and why (fail closed: nothing suppressed). */
  notApplied?: { reason: string; problems: VexDocumentProblem[]; omittedProblems: number };
}

const MAX_DOCUMENTS = 20;
const MAX_SUPPRESSIONS = 50;
const MAX_PACKAGES = 5;
const MAX_PROBLEMS = 10;
const MAX_TEXT = 300;

function cut(text: string, max = MAX_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The summary of a judgement in which VEX was not applied: nothing suppressed, and the problems that stopped it. */
export function notAppliedSummary(reason: string, problems: readonly VexDocumentProblem[]): VexSummary {
  return {
    documents: [],
    omittedDocuments: 0,
    suppressions: [],
    omittedSuppressions: 0,
    suppressedFindings: 0,
    notApplied: {
      reason: cut(reason),
      problems: problems.slice(0, MAX_PROBLEMS).map((problem) => ({
        location: cut(problem.location, 200),
        code: problem.code,
        message: cut(problem.message),
      })),
      omittedProblems: Math.max(0, problems.length - MAX_PROBLEMS),
    },
  };
}

/** Groups a verdict's vex-suppressed reasons by statement, with the provenance of each document. */
export function vexSummary(applied: readonly AppliedVexDocument[], reasons: readonly Reason[]): VexSummary {
  const byStatement = new Map<string, VexSuppression>();
  let suppressedFindings = 0;
  for (const reason of reasons) {
    if (reason.kind !== "vex-suppressed") continue;
    suppressedFindings += 1;
    const { statement, finding } = reason;
    const key = `${statement.documentIndex}/${statement.statementIndex}`;
    let entry = byStatement.get(key);
    if (entry === undefined) {
      const origin = applied[statement.documentIndex];
      entry = {
        document: cut(statement.document, 200),
        source: origin?.source ?? "policy",
        location: cut(origin?.location ?? "", 200),
        statementIndex: statement.statementIndex,
        vulnerability: cut(statement.vulnerability, 100),
        status: statement.status,
        findings: 0,
        packages: [],
      };
      if (statement.justification !== undefined) entry.justification = statement.justification;
      byStatement.set(key, entry);
    }
    entry.findings += 1;
    if (entry.packages.length < MAX_PACKAGES)
      entry.packages.push(cut(`${finding.package}@${finding.installedVersion}`, 100));
  }
  const suppressions = [...byStatement.values()];
  return {
    documents: applied.slice(0, MAX_DOCUMENTS).map(({ document, source, location }) => ({
      id: cut(document["@id"], 200),
      source,
      location: cut(location, 200),
      statements: document.statements.length,
    })),
    omittedDocuments: Math.max(0, applied.length - MAX_DOCUMENTS),
    suppressions: suppressions.slice(0, MAX_SUPPRESSIONS),
    omittedSuppressions: Math.max(0, suppressions.length - MAX_SUPPRESSIONS),
    suppressedFindings,
  };
}

/**
 * One line for people (quarantineDetails' result.description, an audit message): what VEX did to this image, or why
 * it was not applied. Undefined when no VEX document applied and none was refused.
 */
export function describeVex(summary: VexSummary, maxLength = 400): string | undefined {
  if (summary.notApplied !== undefined) return cut(`VEX not applied: ${summary.notApplied.reason}.`, maxLength);
  if (summary.suppressedFindings === 0) {
    const count = summary.documents.length + summary.omittedDocuments;
    return count === 0 ? undefined : `VEX: ${count} document${count === 1 ? "" : "s"} applied, nothing suppressed.`;
  }
  const statements = summary.suppressions.length + summary.omittedSuppressions;
  const which = summary.suppressions
    .map((item) => `${item.vulnerability} ${item.status} (${item.location} #${item.statementIndex})`)
    .join("; ");
  return cut(
    `VEX: ${summary.suppressedFindings} finding${summary.suppressedFindings === 1 ? "" : "s"} suppressed by ` +
      `${statements} statement${statements === 1 ? "" : "s"}: ${which}.`,
    maxLength,
  );
}
