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
    // OpenVEX documents for every image; each is checked by parseOpenVex when the policy is loaded.
    vex: { type: "array", maxItems: 100, items: { type: "object" } },
  },
} as const;
