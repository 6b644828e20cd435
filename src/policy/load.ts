import type { ErrorObject } from "ajv";
import { compilePolicy } from "./compiled.js";
import { DEFAULT_RULE_SETTINGS } from "./defaults.js";
import { PolicyError } from "./errors.js";
import { instantOf, RFC3339_DATE_TIME } from "./instant.js";
import { documentAjv, documentFrom } from "./json-input.js";
import { parseOpenVex, VexError } from "./openvex.js";
import { remediationProblems } from "./remediation.js";
import { policySchema } from "./schema.js";
import { VISIBLE_CHARACTER } from "./text.js";
import type { PolicyDocument, RuleSettings, SeverityThreshold } from "./types.js";

export { PolicyError } from "./errors.js";

/** A policy that loaded, and what in it is allowed but probably not meant (e.g. a threshold that can never apply). */
export interface LoadedPolicy {
  policy: PolicyDocument;
  /** Each with its JSON pointer; for the operator's log and the status page, never a reason to refuse. */
  warnings: string[];
}

const validatePolicy = documentAjv.compile<PolicyDocument>(policySchema);

function describe(error: ErrorObject): string {
  const where = error.instancePath === "" ? "(document root)" : error.instancePath;
  switch (error.keyword) {
    case "additionalProperties":
      return `${where}: unknown property '${String(error.params["additionalProperty"]).slice(0, 100)}'`;
    case "required":
      return `${where}: missing required property '${String(error.params["missingProperty"])}'`;
    case "enum":
      return `${where}: must be one of ${(error.params["allowedValues"] as unknown[]).map((value) => JSON.stringify(value)).join(", ")}`;
    case "const":
      return `${where}: must be ${JSON.stringify(error.params["allowedValue"])}`;
    case "format":
      return `${where}: must be an RFC 3339 date-time with a time zone, e.g. 2025-01-31T00:00:00Z`;
    case "pattern": {
      const pattern = error.params["pattern"];
      if (pattern === RFC3339_DATE_TIME)
        return `${where}: must be an RFC 3339 date-time with a time zone, e.g. 2025-01-31T00:00:00Z`;
      if (pattern === VISIBLE_CHARACTER)
        return `${where}: must contain a visible character (not only spaces or invisible characters such as U+200B)`;
      return where.endsWith("/digest")
        ? `${where}: must be a digest such as sha256:<hex>`
        : `${where}: must not be blank or contain spaces where none are allowed`;
    }
    default:
      return `${where}: ${error.message ?? "is invalid"}`;
  }
}

/** What JSON Schema cannot say about dates: an instant the gate can compare with (a leap second is not one). */
function expiryProblems(policy: PolicyDocument): string[] {
  const problems: string[] = [];
  policy.exceptions?.forEach((exception, index) => {
    // The schema has checked the shape; luxon reads the instant (instant.ts) and refuses second 60.
    if (instantOf(exception.expires) === undefined)
      problems.push(`/exceptions/${index}/expires: a leap second (…:60) cannot be compared with a clock; use :59`);
  });
  return problems;
}

/** Each embedded OpenVEX document must pass parseOpenVex; its problems are reported under /vex/<index>. */
function vexProblems(policy: PolicyDocument): string[] {
  const problems: string[] = [];
  policy.vex?.forEach((document, index) => {
    try {
      parseOpenVex(document);
    } catch (error) {
      if (!(error instanceof VexError)) throw error;
      for (const problem of error.problems)
        problems.push(`/vex/${index}${problem.startsWith("(document root)") ? problem.slice(15) : problem}`);
    }
  });
  return problems;
}

const RANK: Readonly<Record<Exclude<SeverityThreshold, "none">, number>> = {
  Negligible: 1,
  Low: 2,
  Medium: 3,
  High: 4,
  Critical: 5,
};

function thresholdWarning(settings: RuleSettings, where: string): string | undefined {
  const { blockAt, requireApprovalAt } = settings;
  if (blockAt === "none" || requireApprovalAt === "none") return undefined;
  if (RANK[requireApprovalAt] < RANK[blockAt]) return undefined;
  return (
    `${where}: requireApprovalAt "${requireApprovalAt}" is at or above blockAt "${blockAt}", so it never applies ` +
    `(a finding that reaches it blocks); set requireApprovalAt below blockAt, or to "none"`
  );
}

/** Allowed but almost certainly not meant; the load result carries them so the operator sees them. */
function warningsOf(policy: PolicyDocument): string[] {
  const warnings: string[] = [];
  const base: RuleSettings = { ...DEFAULT_RULE_SETTINGS, ...policy.defaultRule };
  const atDefault = thresholdWarning(base, "/defaultRule");
  if (atDefault !== undefined) warnings.push(atDefault);
  policy.repositories?.forEach((entry, index) => {
    // A rule that sets neither threshold inherits the default's, which is already reported.
    if (entry.rule.blockAt === undefined && entry.rule.requireApprovalAt === undefined) return;
    const warning = thresholdWarning({ ...base, ...entry.rule }, `/repositories/${index}/rule`);
    if (warning !== undefined) warnings.push(warning);
  });
  return warnings;
}

/**
 * Validates a policy document (a JSON string or an already parsed value), compiles its globs strictly (the rules' and
 * remediation's; once: every later evaluation reuses them), checks its embedded OpenVEX documents, and returns it with its warnings.
 * Throws PolicyError listing every problem with its JSON pointer.
 */
export function loadPolicy(input: string | unknown): LoadedPolicy {
  const document = documentFrom(
    input,
    (reason) => new PolicyError(`The policy is not valid JSON: ${reason}`, [], "policy-not-json"),
  );
  if (!validatePolicy(document)) {
    const problems = [...new Set((validatePolicy.errors ?? []).map(describe))];
    throw new PolicyError("The policy document is invalid", problems);
  }
  // remediation.repositories' globs too, so a policy with bad remediation rules is refused where the rest is
  // validated (POLICY_DOCUMENT at start-up, /api/health), not first when re-evaluation runs.
  const problems = [...expiryProblems(document), ...vexProblems(document), ...remediationProblems(document)];
  const compiled = compilePolicy(document);
  if ("problems" in compiled) problems.push(...compiled.problems);
  if (problems.length > 0) throw new PolicyError("The policy document is invalid", problems);
  return { policy: document, warnings: warningsOf(document) };
}

/** loadPolicy without the warnings: the validated, compiled document. Throws PolicyError. */
export function parsePolicy(input: string | unknown): PolicyDocument {
  return loadPolicy(input).policy;
}
