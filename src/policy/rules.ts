import picomatch from "picomatch";
import type { EffectiveRule, PolicyDocument, RuleSettings } from "./types.js";

/**
 * What applies when the policy says nothing: block High and Critical, fail on Unknown severity, count unfixed findings,
 * release automatically when nothing blocks. Strict by default; a team loosens it in its policy, visibly.
 */
export const DEFAULT_RULE_SETTINGS: Readonly<RuleSettings> = Object.freeze({
  blockAt: "High",
  requireApprovalAt: "none",
  ignoreUnfixed: false,
  unknownSeverity: "fail",
  autoRelease: true,
});

/** ACR repository names are lowercase; matching ignores case so "Team-A/**" cannot silently miss "team-a/api". */
export const GLOB_OPTIONS: picomatch.PicomatchOptions = { nocase: true, dot: true };

/**
 * The rule for a repository: the first `repositories` entry with a matching glob, laid over the default rule, laid
 * over the built-in defaults. Order in the document is the precedence; no "most specific" guessing.
 */
export function resolveRule(policy: PolicyDocument, repository: string): EffectiveRule {
  const base: RuleSettings = { ...DEFAULT_RULE_SETTINGS, ...policy.defaultRule };
  const entries = policy.repositories ?? [];
  for (let index = 0; index < entries.length; index += 1) {
    const entry = entries[index];
    const pattern = entry?.match.find((glob) => picomatch.isMatch(repository, glob, GLOB_OPTIONS));
    if (entry !== undefined && pattern !== undefined) {
      return { from: { source: "repository", index, pattern }, settings: { ...base, ...entry.rule } };
    }
  }
  return { from: { source: "default" }, settings: base };
}
