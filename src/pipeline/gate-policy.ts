import { createHash } from "node:crypto";
import { loadPolicy, type PolicyDocument } from "../policy/index.js";

/** The policy the gate judges with, as loaded once per process from POLICY_DOCUMENT. */
export interface GatePolicy {
  policy: PolicyDocument;
  /** A short hash of the document: which policy a decision was made under (status, audit, quarantineDetails). */
  version: string;
  /** What the document allows but probably does not mean (each with its JSON pointer); shown by /api/health. */
  warnings: string[];
}

/** Validates and compiles the policy (throws PolicyError listing every problem) and keeps its load warnings. */
export function gatePolicy(document: unknown): GatePolicy {
  const loaded = loadPolicy(document);
  return {
    policy: loaded.policy,
    version: createHash("sha256").update(JSON.stringify(loaded.policy)).digest("hex").slice(0, 12),
    warnings: loaded.warnings,
  };
}
