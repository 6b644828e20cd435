import type { DurableClient } from "durable-functions";
import { AUDIT_ACTION } from "../audit/actions.js";
import type { AuditLog, AuditRecord } from "../audit/audit-log.js";
import {
  imageReference,
  pipelineInstanceId,
  type ImageKey,
  type PipelineOutcome,
  type PipelineStatus,
} from "./contract/index.js";
import { findInstance } from "./instances.js";
import { verdictIdentity } from "./approval-ledger-verdict.js";

/** A break-glass release of the image: who overrode the failing verdict, why, when, and how the release ended. */
export interface OverrideView {
  instanceId: string;
  by: string;
  reason: string;
  at: string;
  /** The break-glass instance's runtime status, when it is still known to the host. */
  runtimeStatus?: string;
  /** When the override ends (docs/reevaluation.md "Break-glass expiry"); absent for releases that do not expire. */
  expiresAt?: string;
  /** What the fresh judgement at the expiry did, once it ran. */
  expiry?: PipelineStatus["breakGlassExpiry"];
}

export interface ImageStatusView {
  image: string;
  known: boolean;
  instanceId: string;
  runtimeStatus?: string;
  stage?: PipelineStatus["stage"];
  verdict?: PipelineStatus["verdict"];
  decision?: PipelineStatus["decision"];
  /** The verdict's identity (with a verdict): what a decision may name to be bound to the verdict it was made for. */
  verdictId?: string;
  /**
   * Once the pipeline waits for people: the approvals its verdict needs (`required`), those counted (`given`) and
   * each approver (name, object id, ledger time, reason), as the pipeline last published them.
   */
  approvals?: PipelineStatus["approvals"];
  /**
   * What the gate decided last: the pipeline's outcome, or — once an override is the image's latest write — the
   * break-glass release's (result Passed, override true, decided by the person who overrode).
   */
  outcome?: PipelineOutcome;
  /** Set when the image was released by override (break-glass); `outcome` is then the override's. */
  releasedBy?: "override";
  override?: OverrideView;
  /** The pipeline's own outcome, when an override replaced it as `outcome`. */
  pipelineOutcome?: PipelineOutcome;
  scanDeadline?: string;
  /** While a scan waits to try again after a transient failure: what failed and when the next attempt starts. */
  scanRetry?: PipelineStatus["scanRetry"];
  approvalDeadline?: string;
  error?: string;
  createdTime?: string;
  lastUpdatedTime?: string;
  timeline: AuditRecord[];
}

/**
 * Where an image is in the gate and why: the pipeline's status, the audit trail, and, when the image's latest write
 * is a break-glass override, that release (its instance is found through the record, since its id is derived
 * from the request, not from the image alone).
 */
export async function imageStatus(
  client: DurableClient,
  audit: Pick<AuditLog, "history">,
  image: ImageKey,
): Promise<ImageStatusView> {
  const instanceId = pipelineInstanceId(image);
  const [status, timeline] = await Promise.all([
    findInstance(client, instanceId),
    audit.history(imageReference(image)),
  ]);
  const custom = status?.customStatus as PipelineStatus | undefined;
  const pipelineOutcome = status?.output as PipelineOutcome | undefined;
  const view: ImageStatusView = {
    image: imageReference(image),
    known: Boolean(status) || timeline.length > 0,
    instanceId,
    runtimeStatus: status ? String(status.runtimeStatus) : undefined,
    stage: custom?.stage,
    verdict: custom?.verdict,
    decision: custom?.decision,
    ...(custom?.verdict ? { verdictId: verdictIdentity(custom.verdict) } : {}),
    ...(custom?.approvals ? { approvals: custom.approvals } : {}),
    outcome: pipelineOutcome,
    scanDeadline: custom?.scanDeadline,
    scanRetry: custom?.scanRetry,
    approvalDeadline: custom?.approvalDeadline,
    error: custom?.error,
    createdTime: status?.createdTime?.toString(),
    lastUpdatedTime: status?.lastUpdatedTime?.toString(),
    timeline,
  };
  const last = currentOverride(timeline);
  if (!last?.instanceId) return view;
  const release = await findInstance(client, last.instanceId);
  const released = release?.output as PipelineOutcome | undefined;
  const releaseStatus = release?.customStatus as PipelineStatus | undefined;
  return {
    ...view,
    outcome: released?.override
      ? released
      : { result: "Passed", override: true, decidedBy: last.actor, reason: last.reason, verdict: custom?.verdict },
    releasedBy: "override",
    override: {
      instanceId: last.instanceId,
      by: last.actor,
      reason: last.reason,
      at: last.at,
      ...(release ? { runtimeStatus: String(release.runtimeStatus) } : {}),
      ...(releaseStatus?.breakGlassExpiresAt ? { expiresAt: releaseStatus.breakGlassExpiresAt } : {}),
      ...(releaseStatus?.breakGlassExpiry ? { expiry: releaseStatus.breakGlassExpiry } : {}),
    },
    ...(pipelineOutcome ? { pipelineOutcome } : {}),
  };
}

/**
 * Records of a write to the registry: after one of them, an earlier override is no longer what the image shows (a
 * `reblocked` is also how an expired override that still fails ends).
 */
const WRITES: ReadonlySet<string> = new Set([
  AUDIT_ACTION.released,
  AUDIT_ACTION.failed,
  AUDIT_ACTION.expired,
  AUDIT_ACTION.reblocked,
  AUDIT_ACTION.reopened,
]);

/** The latest override, unless a later record wrote something else to the registry. */
function currentOverride(timeline: readonly AuditRecord[]): AuditRecord | undefined {
  for (let i = timeline.length - 1; i >= 0; i--) {
    const record = timeline[i]!;
    if (record.action === AUDIT_ACTION.overridden) return record;
    if (WRITES.has(record.action)) return undefined;
  }
  return undefined;
}
