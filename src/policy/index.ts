export { evaluatePolicy, type PolicyInput } from "./evaluate.js";
export { loadPolicy, parsePolicy, PolicyError, type LoadedPolicy } from "./load.js";
export type { PolicyErrorCode } from "./errors.js";
export {
  parseOpenVex,
  VexError,
  type OpenVexDocument,
  type VexErrorCode,
  type VexStatement,
  type VexStatus,
} from "./openvex.js";
export { decisiveReasons } from "./reason-order.js";
export { DEFAULT_RULE_SETTINGS, resolveRule } from "./rules.js";
export { policySchema } from "./schema.js";
export { imageDigestOf } from "./vex.js";
export type * from "./types.js";
export {
  DEFAULT_REMEDIATION,
  checkRemediation,
  dueByOf,
  resolveRemediation,
  type EffectiveRemediation,
} from "./remediation.js";
