import type { DurableClient } from "durable-functions";
import type { AuditLog } from "../../audit/audit-log.js";
import type { QuarantineDetails } from "../../acr/index.js";
import type { PolicyDocument } from "../../policy/types.js";
import { imageReference, pipelineInstanceId, type ImageKey, type PipelineInput } from "../contract/index.js";
import { imageStatus, type ImageStatusView } from "../image-status.js";
import { decisionDetails } from "../steps/write-registry-decision.js";
import { breakGlassLimit, type BreakGlassLimit } from "./break-glass-limit.js";
import type { FindingRow } from "./findings.js";
import type { FindingsStore } from "./findings-store.js";
import { approvalCountOf, type ApprovalCount } from "./pending.js";

/** The image page: the status (verdict, reasons, timeline), the tag, the approvals, and the quarantineDetails written. */
export interface ImageView extends Omit<ImageStatusView, "approvals"> {
  tag?: string;
  pushedAt?: string;
  /** Read leniently from any status version (approvalCountOf); the page shows given of required. */
  approvals: ApprovalCount;
  /**
   * The quarantineDetails the gate wrote with its Passed/Failed decision. They are a function of the decision alone
   * (src/pipeline/steps/write-registry-decision.ts `decisionDetails`), so they are rebuilt from it here rather than
   * read from the registry.
   */
  quarantineDetails?: QuarantineDetails;
  /**
   * The findings, one row each with what the policy made of them, when the scan step stored them (FindingsStore);
   * null when none are stored (the page then shows the most decisive reasons, which the verdict always carries).
   */
  findings: FindingRow[] | null;
  findingsJudgedAt?: string;
  /**
   * How long a break-glass release of this image may last (the policy's, for its repository), when the view was given
   * the policy: the page offers shorter `expiresIn` choices up to it. The override in effect, if any, is `override`.
   */
  breakGlass?: BreakGlassLimit;
}

export async function imageView(
  client: DurableClient,
  audit: Pick<AuditLog, "history">,
  image: ImageKey,
  findings?: Pick<FindingsStore, "load">,
  policy?: PolicyDocument,
): Promise<ImageView> {
  const [status, stored] = await Promise.all([imageStatus(client, audit, image), findings?.load(image)]);
  let input: PipelineInput | undefined;
  let custom: unknown;
  if (status.runtimeStatus) {
    const full = await client.getStatus(pipelineInstanceId(image), { showInput: true });
    input = full.input as PipelineInput | undefined;
    custom = full.customStatus;
  }
  const outcome = status.outcome;
  // A break-glass release writes its own details (with the justification): not rebuilt here.
  const written =
    !status.releasedBy && outcome && (outcome.result === "Passed" || outcome.result === "Failed") ? outcome : undefined;
  return {
    ...status,
    ...(input?.tag ? { tag: input.tag } : {}),
    ...(status.createdTime ? { pushedAt: new Date(status.createdTime).toISOString() } : {}),
    approvals: approvalCountOf(custom),
    ...(written
      ? {
          quarantineDetails: decisionDetails({
            image,
            state: written.result as "Passed" | "Failed",
            reason: written.reason,
            verdict: written.verdict ?? status.verdict,
            statusUrl: input?.statusUrl,
          }),
        }
      : {}),
    findings: stored?.rows ?? null,
    ...(stored ? { findingsJudgedAt: stored.judgedAt } : {}),
    ...(policy ? { breakGlass: breakGlassLimit(policy, image.repository) } : {}),
    image: imageReference(image),
  };
}
