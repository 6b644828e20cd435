/**
 * The names the Functions host knows the pipeline by. Triggers register under these names and the orchestrations call
 * them; nothing else spells them. Renaming one is a breaking change for instances already running (their durable
 * history refers to the old name), so these change only with a version of their own.
 */
export const ORCHESTRATION = {
  /** One per image digest: inspect → scan → verdict → approval → write to the registry → audit. */
  quarantinePipeline: "quarantinePipeline",
  /** Releases an image whose verdict failed, on the word of a holder of Quarantine.Override. */
  breakGlassRelease: "breakGlassRelease",
} as const;

export const ACTIVITY = {
  /** Reads the manifest: its quarantine state, and for an index the platform manifests to scan. */
  inspectImage: "inspectImage",
  /** Starts the scan of one manifest (Harbor adapter, or the external scanners' queue). */
  submitScan: "submitScan",
  /** Asks a Harbor adapter for the report once, and judges it when it is there. */
  pollScan: "pollScan",
  /** Writes Passed or Failed with quarantineDetails to the registry and reads it back. */
  writeRegistryDecision: "writeRegistryDecision",
  /** Appends the pipeline's decision to the audit trail. */
  recordDecision: "recordDecision",
  /** Checks an ApprovalDecision event against the approval ledger; audits an event the ledger does not back. */
  confirmApprovalDecision: "confirmApprovalDecision",
  /** The approval deadline fired: claims the outcome for it, unless a decision claimed it before the deadline. */
  settleApprovalDeadline: "settleApprovalDeadline",
} as const;

/** External events raised on a waiting pipeline. */
export const EVENT = {
  /** A person's decision, from the approvals function. */
  approvalDecision: "ApprovalDecision",
  /** An external scanner's judged report, from the scanReports callback. */
  scanReport: "ScanReport",
} as const;

export type OrchestrationName = (typeof ORCHESTRATION)[keyof typeof ORCHESTRATION];
export type ActivityName = (typeof ACTIVITY)[keyof typeof ACTIVITY];
export type EventName = (typeof EVENT)[keyof typeof EVENT];
