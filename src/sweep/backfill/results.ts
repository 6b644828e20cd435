import { isLive, type PipelineOutcome, type PipelineStatus } from "../../pipeline/contract/index.js";

/** What a shadow evaluation says would happen to an image once quarantine is on. */
export type ShadowVerdict =
  "would-pass" | "would-fail" | "would-need-approval" | "scan-failed" | "already-decided" | "evaluating" | "error";

/** Only would-pass is released without anyone; everything else would keep the image blocked. */
export const BLOCKING: readonly ShadowVerdict[] = ["would-fail", "would-need-approval", "scan-failed", "error"];

export interface ShadowResult {
  image: string;
  instanceId: string;
  verdict: ShadowVerdict;
  reasons: string[];
}

/** Reads one shadow evaluation's durable status. */
export function shadowResult(status: {
  instanceId: string;
  runtimeStatus: unknown;
  customStatus?: unknown;
  output?: unknown;
}): ShadowResult {
  const custom = status.customStatus as Partial<PipelineStatus> | undefined;
  const output = status.output as Partial<PipelineOutcome> | undefined;
  const runtime = String(status.runtimeStatus);
  const reasons = (output?.verdict ?? custom?.verdict)?.platforms?.flatMap((p) => p.reasons).slice(0, 5) ?? [];
  const base = {
    image: typeof custom?.image === "string" ? custom.image : status.instanceId,
    instanceId: status.instanceId,
    reasons,
  };
  if (isLive(runtime)) return { ...base, verdict: "evaluating" };
  if (runtime === "Failed") {
    return custom?.stage === "scan-failed"
      ? { ...base, verdict: "scan-failed", reasons: [custom.error ?? "the scan failed"] }
      : { ...base, verdict: "error", reasons: [custom?.error ?? String(status.output ?? "failed")] };
  }
  if (runtime !== "Completed") return { ...base, verdict: "error", reasons: [`evaluation ${runtime.toLowerCase()}`] };
  switch (output?.result) {
    case "would-pass":
      return { ...base, verdict: "would-pass" };
    case "would-fail":
      return { ...base, verdict: "would-fail" };
    case "already-decided":
      return { ...base, verdict: "already-decided", reasons: [output.reason ?? ""] };
    case "left-quarantined":
      if (output.verdict?.decision === "needsApproval") return { ...base, verdict: "would-need-approval" };
      return { ...base, verdict: "error", reasons: [output.reason ?? "left quarantined"] };
    default:
      return { ...base, verdict: "error", reasons: [`unexpected outcome ${String(output?.result)}`] };
  }
}
