import type { ImageKey } from "./image-key.js";

/** Where a pipeline started from; recorded, and shown in the status. */
export type PipelineSource = "webhook" | "sweep" | "push-shadow";

/** Everything the orchestrator needs, fixed at start so replays never read settings that may have changed. */
export interface PipelineInput {
  image: ImageKey;
  tag?: string;
  source: PipelineSource;
  mode: "enforce" | "shadow";
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
  | "scan-failed";

/** A verdict small enough for durable history and custom status: counts, the decision, the first reasons. */
export interface VerdictSummary {
  decision: "pass" | "fail" | "needsApproval";
  /** Per platform manifest for an index; one entry otherwise. */
  platforms: Array<{ digest: string; decision: "pass" | "fail" | "needsApproval"; reasons: string[] }>;
  severityCounts: Record<string, number>;
  findings: number;
  scanner: string;
  policyVersion: string;
  evaluatedAt: string;
}

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
  mode: "enforce" | "shadow";
  scanDeadline?: string;
  approvalDeadline?: string;
  verdict?: VerdictSummary;
  decision?: { by: string; approve: boolean; reason: string; at: string };
  outcome?: PipelineOutcome["result"];
  error?: string;
  /** The scan an external scanner owes a report for; only the token's hash is kept (status is readable in storage). */
  pendingScan?: { scanId: string; callbackTokenHash: string; image: ImageKey };
  updatedAt: string;
}

export interface PipelineOutcome {
  result: "Passed" | "Failed" | "already-decided" | "would-pass" | "would-fail" | "left-quarantined";
  verdict?: VerdictSummary;
  decidedBy: string;
  reason: string;
}

// ---- activity inputs and outputs

export interface InspectResult {
  quarantineState: string | undefined;
  mediaType: string | undefined;
  /** The manifests to scan: the image itself, or every platform manifest of an index. */
  scanTargets: string[];
  isIndex: boolean;
}

export type ScanSubmission =
  /** Harbor adapters: the orchestrator polls for the report. */
  | { mode: "poll"; digest: string; scanId: string }
  /** External scanners via the queue: the report comes back through scanReports as a ScanReport event. */
  | { mode: "callback"; digest: string; scanId: string; callbackTokenHash: string };

/** What scanReports raises once a scanner's report is in and judged. */
export interface ScanReportEvent {
  scanId: string;
  result: Extract<ScanPoll, { state: "done" | "failed" }>;
}

export type ScanPoll =
  | { state: "pending"; retryAfterMs: number }
  | { state: "done"; verdict: VerdictSummary }
  /** The scanner itself reports the scan failed: no verdict either way, the image stays quarantined. */
  | { state: "failed"; error: string };

export interface ReleaseRequest {
  image: ImageKey;
  state: "Passed" | "Failed";
  reason: string;
  verdict?: VerdictSummary;
  statusUrl?: string;
}

export interface ReleaseResult {
  confirmedState: string;
}
