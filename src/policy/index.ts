export { evaluatePolicy, type PolicyInput } from "./evaluate.js";
export { parsePolicy, PolicyError } from "./load.js";
export { parseOpenVex, VexError, type OpenVexDocument, type VexStatement, type VexStatus } from "./openvex.js";
export { decisiveReasons } from "./reason-order.js";
export { DEFAULT_RULE_SETTINGS, resolveRule } from "./rules.js";
export { policySchema } from "./schema.js";
export type * from "./types.js";
