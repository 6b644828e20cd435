import { OrchestrationRuntimeStatus, type DurableClient } from "durable-functions";
import { parseImageReference, type PipelineInput, type PipelineStatus } from "../contract/index.js";

/**
 * Approvals a pipeline counts, as the status shows them once N-of-M approvals publish them (`approvals` in the
 * custom status: required, given, who). Absent: one approval decides (1-of-1), as the approval ledger counts today.
 */
export interface ApprovalCount {
  required: number;
  given: number;
  approvers: Array<{ name: string; objectId?: string; at?: string }>;
}

/** A pipeline waiting for a person, with what the page shows about it. */
export interface PendingView {
  instanceId: string;
  image: string;
  repository: string;
  digest: string;
  tag?: string;
  /** When the pipeline started: the push (its webhook) or the sweep that found it. */
  pushedAt?: string;
  approvalDeadline?: string;
  verdict?: PipelineStatus["verdict"];
  approvals: ApprovalCount;
}

/** Reads `approvals` from a status written by any version: counts only when they are whole numbers. */
export function approvalCountOf(custom: unknown): ApprovalCount {
  const raw = (custom as { approvals?: unknown } | undefined)?.approvals as
    { required?: unknown; given?: unknown; approvers?: unknown } | undefined;
  const whole = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;
  const approvers = Array.isArray(raw?.approvers)
    ? raw.approvers
        .filter((a): a is Record<string, unknown> => typeof a === "object" && a !== null)
        .map((a) => ({
          name: String(a.name ?? a.by ?? a.objectId ?? "unknown"),
          ...(typeof a.objectId === "string" ? { objectId: a.objectId } : {}),
          ...(typeof a.at === "string" ? { at: a.at } : typeof a.decidedAt === "string" ? { at: a.decidedAt } : {}),
        }))
    : [];
  return {
    required: whole(raw?.required) && raw.required > 0 ? raw.required : 1,
    given: whole(raw?.given) ? raw.given : approvers.length,
    approvers,
  };
}

/** Pipelines waiting for approval, oldest push first. */
export async function listPendingViews(client: DurableClient): Promise<PendingView[]> {
  const running = await client.getStatusBy({ runtimeStatus: [OrchestrationRuntimeStatus.Running] });
  const waiting = running.filter((s) => (s.customStatus as PipelineStatus | undefined)?.stage === "awaiting-approval");
  const views = await Promise.all(
    waiting.map(async (s) => {
      const custom = s.customStatus as PipelineStatus;
      // The tag is in the input; the list answer may leave inputs out, so each waiting pipeline is read with it.
      const input = (s.input ?? (await client.getStatus(s.instanceId, { showInput: true })).input) as
        PipelineInput | undefined;
      const key = parseImageReference(custom.image);
      const view: PendingView = {
        instanceId: s.instanceId,
        image: custom.image,
        repository: key?.repository ?? "",
        digest: key?.digest ?? "",
        ...(input?.tag ? { tag: input.tag } : {}),
        ...(s.createdTime ? { pushedAt: new Date(s.createdTime).toISOString() } : {}),
        ...(custom.approvalDeadline ? { approvalDeadline: custom.approvalDeadline } : {}),
        ...(custom.verdict ? { verdict: custom.verdict } : {}),
        approvals: approvalCountOf(custom),
      };
      return view;
    }),
  );
  return views.sort((a, b) => (a.pushedAt ?? "").localeCompare(b.pushedAt ?? ""));
}
