import type { AcrClient } from "../acr/index.js";
import type { AuditLog } from "../audit/audit-log.js";
import { AUDIT_ACTION } from "../audit/actions.js";
import { imageReference, type ImageKey } from "../pipeline/contract/index.js";
import { statusLink } from "../pipeline/input.js";
import { writeRegistryDecision } from "../pipeline/steps/write-registry-decision.js";
import type { PipelineDirectory, PipelineView } from "./pipeline-view.js";

export const EXPIRED_REASON = "expired in quarantine";

export interface ExpiryDeps {
  acr: AcrClient;
  audit: Pick<AuditLog, "record">;
  pipelines: PipelineDirectory;
  statusBaseUrl: string | undefined;
}

/** 3d 4h 12m — readable ages for reasons and logs. */
export function humanAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const parts = [
    [Math.floor(minutes / 1440), "d"],
    [Math.floor((minutes % 1440) / 60), "h"],
    [minutes % 60, "m"],
  ] as const;
  const shown = parts.filter(([n]) => n > 0).map(([n, unit]) => `${n}${unit}`);
  return shown.length ? shown.join(" ") : `${Math.floor(ms / 1000)}s`;
}

/**
 * Fails an image that waited longer than MAX_QUARANTINE_AGE (EXPIRE_IN_QUARANTINE=true): a running pipeline is ended
 * first (so it cannot act on a stale decision), then ACR gets Failed with quarantineDetails saying "expired in
 * quarantine" — written and read back by the pipeline's own release step — and the audit trail records who and why.
 * This path only ever writes Failed.
 */
export async function expireImage(
  deps: ExpiryDeps,
  image: ImageKey,
  quarantineAgeMs: number,
  maxQuarantineAge: string,
  livePipeline: PipelineView | undefined,
  now: Date,
): Promise<string> {
  const reason = `${EXPIRED_REASON}: pending ${humanAge(quarantineAgeMs)} since push, longer than MAX_QUARANTINE_AGE ${maxQuarantineAge}`;
  if (livePipeline) await deps.pipelines.terminate(livePipeline.instanceId, EXPIRED_REASON);
  const written = await writeRegistryDecision(
    { acr: deps.acr },
    {
      image,
      state: "Failed",
      reason,
      ...(deps.statusBaseUrl ? { statusUrl: statusLink(deps.statusBaseUrl, image) } : {}),
    },
  );
  await deps.audit.record({
    image: imageReference(image),
    action: AUDIT_ACTION.expired,
    actor: "compliance-sweep",
    at: now.toISOString(),
    reason,
    quarantineState: written.confirmedState,
    ...(livePipeline ? { instanceId: livePipeline.instanceId } : {}),
  });
  return reason;
}
