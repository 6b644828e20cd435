import { compiledPolicy } from "./compiled.js";
import type { EffectiveRule, PolicyDocument, RuleSettings } from "./types.js";

export { DEFAULT_RULE_SETTINGS } from "./defaults.js";
export { GLOB_OPTIONS } from "./globs.js";

/**
 * The rule for a repository: the first `repositories` entry with a matching glob, laid over the default rule, laid
 * over the built-in defaults. Order in the document is the precedence; no "most specific" guessing. Globs were
 * compiled when the policy was loaded; nothing is compiled here.
 */
export function resolveRule(policy: PolicyDocument, repository: string): EffectiveRule {
  return compiledPolicy(policy).ruleFor(repository);
}

/**
 * How many distinct people must approve an image judged by these settings (the rule's `approvals`, default 1). A value
 * the schema would refuse (a document that skipped parsePolicy) is read as strictly as it allows: never below 1.
 */
export function requiredApprovals(settings: Pick<RuleSettings, "approvals">): number {
  const given = settings.approvals;
  if (given === undefined) return 1;
  if (!Number.isFinite(given)) return Number.MAX_SAFE_INTEGER;
  return Math.max(1, Math.ceil(given));
}
