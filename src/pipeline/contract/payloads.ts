import type { ImageKey } from "./image.js";

/**
 * Every value that crosses a Durable boundary: orchestration inputs and outputs, activity inputs and results, event
 * payloads and the custom status. They are stored in durable history as JSON, so they are plain data, and a change
 * to one must still read what older instances wrote.
 */

/** Where a pipeline started from; recorded, and shown in the status. */
export type PipelineSource = "webhook" | "sweep" | "push-shadow";

/** enforce writes the decision to the registry; shadow only evaluates and says what would have happened. */
export type PipelineMode = "enforce" | "shadow";

/** Everything the orchestrator needs, fixed at start so replays never read settings that may have changed. */
export interface PipelineInput {
  image: ImageKey;
  tag?: string;
  source: PipelineSource;
  mode: PipelineMode;
  scanDeadlineMs: number;
  approvalDeadlineMs: number;
  /** What an approval that nobody gives in time turns into. Fail closed: never Passed. */
  onApprovalTimeout: "Failed" | "stay-quarantined";
  statusUrl?: string;
}

export type Stage =
  | "inspecting"
  | "scanning"
  | "awaiting-approval"
  | "releasing"
  | "recording"
  | "done"
  | "release-failed"
  | "scan-failed"
  /** Break-glass: released, waiting for the override to expire (then the image is judged again). */
  | "awaiting-expiry"
  /** Break-glass: the override expired and the image was judged again (still released, or blocked again). */
  | "expired";

export type VerdictDecision = "pass" | "fail" | "needsApproval";

/** A verdict small enough for durable history and custom status: counts, the decision, the first reasons. */
export interface VerdictSummary {
  decision: VerdictDecision;
  /** Per platform manifest for an index; one entry otherwise. */
  platforms: Array<{ digest: string; decision: VerdictDecision; reasons: string[] }>;
  severityCounts: Record<string, number>;
  findings: number;
  scanner: string;
  policyVersion: string;
  evaluatedAt: string;
  /** What VEX did to this verdict (for an index: the platforms' together), when any VEX is configured. */
  vex?: VexBrief;
  /**
   * N-of-M: how many distinct people must approve when the decision is needsApproval (the rule's `approvals`).
   * Absent: 1.
   */
  requiredApprovals?: number;
}

/**
 * Which VEX documents applied and which statements suppressed what, in brief (lists cut, counts kept): shown in the
 * status, the audit record and quarantineDetails' description.
 */
export interface VexBrief {
  documents: Array<{ id: string; source: "policy" | "container"; location: string }>;
  suppressedFindings: number;
  suppressions: Array<{
    vulnerability: string;
    document: string;
    statementIndex: number;
    findings: number;
    packages: string[];
  }>;
  /** Set when configured VEX was not applied at all, and why (nothing suppressed: the strict direction). */
  notApplied?: string;
}

/** The ApprovalDecision event: a person's decision, as the approvals function verified it. */
export interface ApprovalDecision {
  approve: boolean;
  reason: string;
  approver: { objectId: string; name: string; roles: string[] };
  /** Set when approving despite a failing verdict (break-glass, needs Quarantine.Override). */
  override?: boolean;
  decidedAt: string;
}

/** The custom status every step publishes: where the image is and why. */
export interface PipelineStatus {
  stage: Stage;
  image: string;
  mode: PipelineMode;
  scanDeadline?: string;
  approvalDeadline?: string;
  verdict?: VerdictSummary;
  decision?: { by: string; approve: boolean; reason: string; at: string; override?: boolean };
  /** While (and after) waiting for people: the approvals the verdict needs and those the ledger counted so far. */
  approvals?: ApprovalTally;
  outcome?: PipelineOutcome["result"];
  error?: string;
  /** The scan an external scanner owes a report for; only the token's hash is kept (status is readable in storage). */
  pendingScan?: { scanId: string; callbackTokenHash: string; image: ImageKey };
  /** While a scan waits to try again after a transient failure: which attempt failed, why, and when the next starts. */
  scanRetry?: { digest: string; failures: number; error: string; nextAttemptAt: string };
  /** Break-glass: the pipeline whose failed image this release overrides. */
  overrides?: string;
  /** Break-glass: when the override expires, and what the fresh judgement then did ("still-released" | "reblocked"). */
  breakGlassExpiresAt?: string;
  breakGlassExpiry?: "still-released" | "reblocked" | "reblock-failed";
  updatedAt: string;
}

/** The output of a completed pipeline (and of break-glass). */
export interface PipelineOutcome {
  result: "Passed" | "Failed" | "already-decided" | "would-pass" | "would-fail" | "left-quarantined";
  verdict?: VerdictSummary;
  decidedBy: string;
  reason: string;
  /** Set by break-glass: Passed over a failing verdict. */
  override?: boolean;
}

/** The breakGlassRelease orchestration's input. */
export interface BreakGlassInput {
  pipeline: PipelineInput;
  verdict?: VerdictSummary;
  decision: ApprovalDecision;
  /**
   * RFC 3339: when the override ends (breakGlassExpiry in src/reevaluate: the policy's breakGlassExpiryHours, or
   * less if the justification form asked for less). Absent (requests before it): the release does not expire.
   */
  expiresAt?: string;
}

// ---- activities

/** inspectImage's result. */
export interface InspectResult {
  quarantineState: string | undefined;
  mediaType: string | undefined;
  /** The manifests to scan: the image itself, or every platform manifest of an index. None for an artifact. */
  scanTargets: string[];
  isIndex: boolean;
  /**
   * Set when the manifest is not an image but an OCI artifact (docs/pipeline.md "The gate's own referrers"): it is not
   * scanned. `gate-attestation`: one of the gate's own referrers, verified against the gate's key, of an image the
   * gate decided (released so that verifiers can pull it); `not-an-image`: anything else (left quarantined).
   */
  artifact?: InspectedArtifact;
}

/** An OCI artifact the inspection found instead of an image (InspectResult.artifact). */
export interface InspectedArtifact {
  kind: "gate-attestation" | "not-an-image";
  /** The manifest's artifactType, or its config's media type. */
  artifactType: string | undefined;
  /** The digest of the manifest it refers to (`subject`), if any. */
  subject: string | undefined;
  /**
   * Why. For a gate attestation, the text the gate writes as the release's quarantineDetails state (the attestation
   * activity writes the same, so neither write undoes the other); for anything else, why it stays quarantined.
   */
  reason: string;
  /** For a gate attestation: what was verified. */
  checked?: string;
}

/** submitScan's input. */
export interface SubmitScanInput {
  image: ImageKey;
  tag?: string;
  mediaType?: string;
  /** Chosen by the orchestrator (deterministic, see scanId), used as the queue scan's id. */
  scanId: string;
  now: string;
}

export type ScanSubmission =
  /** Harbor adapters: the orchestrator polls for the report. */
  | { mode: "poll"; digest: string; scanId: string }
  /** External scanners via the queue: the report comes back through scanReports as a ScanReport event. */
  | { mode: "callback"; digest: string; scanId: string; callbackTokenHash: string }
  /**
   * Not submitted. `retryable`: the scanner (or the registry, for the pull token, or the queue) could not be reached
   * or was busy (5xx, 429, timeouts, network), so a new submission may succeed before the scan deadline; otherwise the
   * scanner refused for good (400/401/403/422, 501, a protocol error) and the scan ends.
   */
  | { mode: "failed"; digest: string; error: string; retryable: boolean };

/** pollScan's input. */
export interface PollScanInput {
  image: ImageKey;
  scanId: string;
  now: string;
}

export type ScanPoll =
  | { state: "pending"; retryAfterMs: number }
  | { state: "done"; verdict: VerdictSummary }
  /**
   * The scanner itself reports the scan failed: no verdict either way, the image stays quarantined. `retryable`: the
   * failure names a transient cause (the registry answered 5xx/429 or timed out while the scanner pulled, or the
   * adapter lost the scan), so a new scan may succeed before the scan deadline. Absent (histories before it): false.
   */
  | { state: "failed"; error: string; retryable?: boolean }
  /** The scanner could not be asked (5xx other than a failed scan, 429, timeout, network): ask again later. */
  | { state: "unavailable"; error: string };

/** The ScanReport event: what scanReports raises once a scanner's report is in and judged. */
export interface ScanReportEvent {
  scanId: string;
  result: Extract<ScanPoll, { state: "done" | "failed" }>;
}

/** writeRegistryDecision's input: the state to write, and what quarantineDetails say about it. */
export interface RegistryDecisionRequest {
  image: ImageKey;
  state: "Passed" | "Failed";
  reason: string;
  verdict?: VerdictSummary;
  statusUrl?: string;
}

/** writeRegistryDecision's result: the state the registry shows after the write. */
export interface RegistryDecisionResult {
  confirmedState: string;
  /** Whether this delivery sent the PATCH; false when the registry already showed this decision (a repeat). */
  written: boolean;
}

/** recordDecision's input. */
export interface RecordDecisionInput {
  input: PipelineInput;
  outcome: PipelineOutcome;
  instanceId: string;
  /** The orchestration's time of the decision (context.df.currentUtcDateTime): the same on every delivery. */
  at: string;
  /**
   * What makes this record one event, the same on every delivery of the activity: the audit row's key is derived
   * from it (src/audit/audit-log.ts). Default: the instance and `at`, which a pipeline execution records once.
   * Break-glass names the pipeline and the request, so a repeated request is one record whatever instance ran it.
   */
  auditKey?: { scope: string; identity: string };
}

// ---- the approval ledger (src/pipeline/approval-ledger.ts)

/** One wait for a person: a pipeline execution's approval, named by its deadline (a restarted pipeline waits anew). */
export interface ApprovalRound {
  instanceId: string;
  image: ImageKey;
  /** The approval deadline the pipeline published (ISO 8601): decisions count only when made before it. */
  deadline: string;
}

/** A person's decision as the approval ledger records it: the verified decision, with the request's own id. */
export interface LedgerDecision extends ApprovalDecision {
  /** Random per request: tells two decisions of the same person apart. */
  decisionId: string;
  /**
   * The verdict the decision was given for (verdictIdentity in src/pipeline/approval-ledger-verdict.ts): an approval
   * counts only towards that verdict. Absent in rows written before N-of-M approvals.
   */
  verdictId?: string;
}

/** One approval the ledger counted: who, when (ledger time), and why. */
export interface ApprovalGiven {
  name: string;
  objectId: string;
  at: string;
  reason: string;
}

/** N-of-M: the distinct approvals a verdict needs, and those counted so far (oldest first). */
export interface ApprovalTally {
  required: number;
  given: number;
  approvers: ApprovalGiven[];
}

/** What claimed the outcome of an approval round: people's decision, or the deadline. */
export type ApprovalSettlement =
  | { kind: "decision"; approve: boolean; decisions: LedgerDecision[]; decidedAt: string }
  | { kind: "deadline"; deadline: string; claimedAt: string };

/** confirmApprovalDecision's input: an ApprovalDecision event the pipeline received, to check against the ledger. */
export interface ConfirmApprovalInput {
  round: ApprovalRound;
  event: ApprovalDecision;
  /**
   * The verdict the pipeline waits on: approvals count only towards it (its identity) and its requiredApprovals.
   * Absent in histories before N-of-M approvals: one approval is enough, as then.
   */
  verdict?: VerdictSummary;
}

/**
 * confirmApprovalDecision's result: the ledger's decision when the event matches the round's claimed outcome (the
 * pipeline applies the ledger's values, never the event's), the approvals so far when it matches a counted approval
 * that did not complete the round, or not counted (the activity audited the event as forged).
 */
export type ApprovalConfirmation =
  | { counted: true; settlement: Extract<ApprovalSettlement, { kind: "decision" }> }
  /** N-of-M: a counted approval that did not complete the round; the wait goes on with these approvals. */
  | { counted: true; pending: ApprovalTally }
  | { counted: false; reason: string };

// ---- attestations (src/attest/)

/** attestDecision's input: a final decision (Passed or Failed, an override included) written to the registry. */
export interface AttestDecisionInput {
  image: ImageKey;
  outcome: PipelineOutcome;
  instanceId: string;
  /** The orchestration's decision time: the same on every delivery (the statement's timeVerified). */
  at: string;
  /** What makes the decision one event (as RecordDecisionInput.auditKey); default the instance and `at`. */
  decisionKey?: { scope: string; identity: string };
}

/** attestDecision's result: the referrers' digests, or why nothing was pushed. */
export type AttestDecisionResult =
  | { state: "attested" | "already-attested"; report: string; decision: string; registryWrites: number }
  | { state: "disabled" | "not-final" };
