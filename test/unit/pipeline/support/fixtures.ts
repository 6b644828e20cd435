import type {
  ApprovalDecision,
  ImageKey,
  InspectResult,
  PipelineInput,
  ScanPoll,
  VerdictDecision,
  VerdictSummary,
} from "../../../../src/pipeline/contract/index.js";

export const digestOf = (n: number): string => `sha256:${n.toString(16).padStart(64, "0")}`;

export const IMAGE: ImageKey = { loginServer: "contoso.azurecr.io", repository: "team/app", digest: digestOf(1) };

export function pipelineInput(change: Partial<PipelineInput> = {}): PipelineInput {
  return {
    image: IMAGE,
    tag: "v1",
    source: "webhook",
    mode: "enforce",
    scanDeadlineMs: 10_000,
    approvalDeadlineMs: 60_000,
    onApprovalTimeout: "Failed",
    statusUrl: "https://gate.example/api/images/status?image=x",
    ...change,
  };
}

export function verdict(
  decision: VerdictDecision,
  digest = IMAGE.digest,
  reasons = [`${decision} ${digest}`],
): VerdictSummary {
  return {
    decision,
    platforms: [{ digest, decision, reasons }],
    severityCounts: { Critical: decision === "fail" ? 1 : 0 },
    findings: decision === "pass" ? 0 : 1,
    scanner: "Trivy 0.50",
    policyVersion: "p1",
    evaluatedAt: "2024-01-01T00:00:00.000Z",
  };
}

export function singleManifest(quarantineState: string | undefined = "Quarantined"): InspectResult {
  return {
    quarantineState,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    scanTargets: [IMAGE.digest],
    isIndex: false,
  };
}

export function imageIndex(platforms: string[]): InspectResult {
  return {
    quarantineState: "Quarantined",
    mediaType: "application/vnd.oci.image.index.v1+json",
    scanTargets: platforms,
    isIndex: true,
  };
}

export const done = (v: VerdictSummary): ScanPoll => ({ state: "done", verdict: v });

export function approval(approve: unknown, reason = "looked at it"): ApprovalDecision {
  return {
    approve: approve as boolean,
    reason,
    approver: { objectId: "oid-1", name: "Ada Approver", roles: ["Quarantine.Approver"] },
    decidedAt: "2024-01-01T00:00:05.000Z",
  };
}
