import {
  AcrInvalidInputError,
  AcrNotFoundError,
  AcrQuarantinedError,
  AcrWriteNotConfirmedError,
  type ManifestAttributes,
} from "../acr/index.js";
import { imageReference, type ImageKey } from "../pipeline/contract/index.js";
import { classify, type SweepRules } from "./classify.js";
import { expireImage, type ExpiryDeps } from "./expire.js";
import type { PipelineDirectory } from "./pipeline-view.js";
import type { ImageEntry, SweepTally } from "./tally.js";

export interface ManifestHandlerDeps extends ExpiryDeps {
  pipelines: PipelineDirectory;
  rules: SweepRules & { maxQuarantineAgeIso: string };
  tally: SweepTally;
  now: () => Date;
}

/**
 * Errors that belong to one manifest (deleted since it was listed, a write the registry did not confirm, a name or
 * state the client refuses): that manifest is reported and the sweep goes on. Anything else — throttling, outages,
 * authentication, the Durable host — stops the run cleanly, to be resumed.
 */
function isManifestSpecific(error: unknown): boolean {
  return (
    error instanceof AcrNotFoundError ||
    error instanceof AcrWriteNotConfirmedError ||
    error instanceof AcrInvalidInputError ||
    error instanceof AcrQuarantinedError
  );
}

/**
 * What the sweep does for one manifest from the listing (no per-manifest GET: the list carries the quarantine state):
 * count it; if pending, look up its pipeline and start, restart, flag or expire as classify decides.
 */
export async function handleManifest(deps: ManifestHandlerDeps, manifest: ManifestAttributes): Promise<void> {
  const now = deps.now();
  const pending = manifest.quarantine.status === "pending";
  deps.tally.manifest(manifest.quarantine.state, pending, manifest.createdTime, now);
  if (!pending) {
    deps.tally.decision({ kind: manifest.quarantine.status === "released" ? "released" : "failed" }, { image: "" });
    return;
  }
  const image: ImageKey = { loginServer: manifest.registry, repository: manifest.repository, digest: manifest.digest };
  const pipeline = await deps.pipelines.find(image);
  const decision = classify(
    { status: manifest.quarantine.status, createdTime: manifest.createdTime },
    pipeline,
    deps.rules,
    now,
  );
  const entry: ImageEntry = { image: imageReference(image), pushedAt: manifest.createdTime };
  if (pipeline)
    Object.assign(entry, {
      instanceId: pipeline.instanceId,
      runtimeStatus: pipeline.runtimeStatus,
      stage: pipeline.stage,
      outcome: pipeline.outcome,
      pipelineCreatedAt: pipeline.createdTime,
      updatedAt: pipeline.updatedAt,
    });
  try {
    switch (decision.kind) {
      case "start":
      case "restart": {
        const started = await deps.pipelines.start(image, manifest.tags[0]);
        Object.assign(entry, {
          instanceId: started.instanceId,
          runtimeStatus: started.started ? "Pending" : started.runtimeStatus,
        });
        break;
      }
      case "expire": {
        const reason = await expireImage(
          deps,
          image,
          decision.quarantineAgeMs,
          deps.rules.maxQuarantineAgeIso,
          decision.livePipeline,
          now,
        );
        Object.assign(entry, { ageMs: decision.quarantineAgeMs, outcome: reason });
        break;
      }
      case "stale":
        entry.ageMs = decision.pipelineAgeMs;
        break;
      default:
        break;
    }
  } catch (error) {
    if (!isManifestSpecific(error)) throw error;
    deps.tally.actionErrors.add({
      ...entry,
      outcome: `${decision.kind} failed: ${(error as Error).message.slice(0, 500)}`,
    });
    return;
  }
  deps.tally.decision(decision, entry);
}
