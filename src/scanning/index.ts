export * from "./findings.js";
export * from "./normalise/index.js";
export {
  ACR_SEVERITY_OF,
  ACR_SUMMARY_VERSION,
  buildQuarantineSummary,
  type AcrScanSummary,
  type AcrSummaryItem,
  type AcrSummarySeverity,
} from "./quarantine-summary.js";
export type { ImageToScan, PullTokenSource } from "./pull-token.js";
export * from "./harbor/index.js";
export * from "./queue/index.js";
export { judgeScanReport, type JudgeInput, type Judgement, type JudgedReport } from "./judge.js";
export * from "./vex/index.js";
