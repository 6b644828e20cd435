import type { RuleSettings } from "./types.js";

/**
 * What applies when the policy says nothing: block High and Critical, fail on Unknown severity, count unfixed findings,
 * release automatically when nothing blocks, ask a person about a report that shows no completed scan, judge secrets
 * like vulnerabilities, leave misconfigurations out. Strict by default; a team loosens it in its policy, visibly.
 */
export const DEFAULT_RULE_SETTINGS: Readonly<RuleSettings> = Object.freeze({
  blockAt: "High",
  requireApprovalAt: "none",
  ignoreUnfixed: false,
  unknownSeverity: "fail",
  autoRelease: true,
  unscannable: "needsApproval",
  secrets: "severity",
  misconfigurations: "ignore",
});
