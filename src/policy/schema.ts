import { dateTimeSchema } from "./instant.js";
import { VISIBLE_CHARACTER } from "./text.js";

/** The most distinct approvers a rule may require (`approvals`). */
export const MAX_APPROVALS = 20;

/** JSON Schema (draft-07) of the policy document; docs/policy.md explains each field. */

const threshold = { enum: ["Critical", "High", "Medium", "Low", "Negligible", "none"] };
const kindAction = { enum: ["severity", "block", "ignore"] };

const ruleSettings = {
  type: "object",
  additionalProperties: false,
  properties: {
    blockAt: threshold,
    requireApprovalAt: threshold,
    ignoreUnfixed: { type: "boolean" },
    unknownSeverity: { enum: ["fail", "needsApproval", "ignore"] },
    autoRelease: { type: "boolean" },
    unscannable: { enum: ["fail", "needsApproval"] },
    secrets: kindAction,
    misconfigurations: kindAction,
    // N-of-M: distinct people who must approve; bounded so a typo cannot make an image unreleasable by approval.
    approvals: { type: "integer", minimum: 1, maximum: MAX_APPROVALS },
  },
};

/** Text a person must be seen to have written: at least one visible character (text.ts). */
const visibleText = { type: "string", minLength: 1, maxLength: 1024, pattern: VISIBLE_CHARACTER };
// Compiled strictly once per load (globs.ts); the schema only bounds the size.
const glob = { type: "string", minLength: 1, maxLength: 256 };

/** Whole days or hours, bounded so a typo cannot schedule a deadline centuries away (docs/policy.md, "Remediation"). */
const days = { type: "integer", minimum: 1, maximum: 3650 };
const onDue = { enum: ["block", "warn"] };
const remediationSla = {
  type: "object",
  additionalProperties: false,
  properties: { Critical: days, High: days, Medium: days, Low: days, Negligible: days, Unknown: days },
};
/** Settings a repository entry of `remediation` may override; the rest come from `remediation` itself. */
const remediationOverrides = {
  sla: remediationSla,
  reevaluationWindowDays: days,
  onDue,
  protected: { type: "boolean" },
};
const remediation = {
  type: "object",
  additionalProperties: false,
  properties: {
    ...remediationOverrides,
    reminderDaysBefore: { type: "array", maxItems: 10, uniqueItems: true, items: days },
    breakGlassExpiryHours: { type: "integer", minimum: 1, maximum: 720 },
    repositories: {
      type: "array",
      maxItems: 1000,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["match"],
        properties: { match: { type: "array", minItems: 1, maxItems: 100, items: glob }, ...remediationOverrides },
      },
    },
  },
};

export const policySchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  additionalProperties: false,
  required: ["version"],
  properties: {
    $schema: { type: "string" },
    version: { const: 1 },
    defaultRule: ruleSettings,
    repositories: {
      type: "array",
      maxItems: 1000,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["match", "rule"],
        properties: {
          match: { type: "array", minItems: 1, maxItems: 100, items: glob },
          rule: ruleSettings,
        },
      },
    },
    exceptions: {
      type: "array",
      maxItems: 10000,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["vulnerability", "expires", "justification", "approvedBy"],
        properties: {
          id: visibleText,
          vulnerability: { type: "string", minLength: 1, maxLength: 256, pattern: "^\\S+$" },
          package: visibleText,
          repository: glob,
          digest: { type: "string", pattern: "^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$" },
          expires: dateTimeSchema,
          justification: visibleText,
          approvedBy: visibleText,
        },
      },
    },
    // Re-evaluation of released images: deadlines per severity, and what happens at them (src/policy/remediation.ts).
    remediation,
    // OpenVEX documents for every image; each is checked by parseOpenVex when the policy is loaded.
    vex: { type: "array", maxItems: 100, items: { type: "object" } },
  },
} as const;
