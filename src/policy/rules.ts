import { compiledPolicy } from "./compiled.js";
import type { EffectiveRule, PolicyDocument } from "./types.js";

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
