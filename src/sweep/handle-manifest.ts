import type { ManifestAttributes } from "../acr/index.js";
import { imageReference, type ImageKey } from "../pipeline/image-key.js";
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
  const decision = classify({ status: manifest.quarantine.status, createdTime: manifest.createdTime }, pipeline, deps.rules, now);
  const entry: ImageEntry = { image: imageReference(image), pushedAt: manifest.createdTime };
  if (pipeline) Object.assign(entry, { instanceId: pipeline.instanceId, runtimeStatus: pipeline.runtimeStatus, stage: pipeline.stage, outcome: pipeline.outcome, pipelineCreatedAt: pipeline.createdTime, updatedAt: pipeline.updatedAt });
  switch (decision.kind) {
    case "start":
    case "restart": {
      const started = await deps.pipelines.start(image, manifest.tags[0]);
      Object.assign(entry, { instanceId: started.instanceId, runtimeStatus: started.started ? "Pending" : started.runtimeStatus });
      break;
    }
    case "expire": {
      const reason = await expireImage(deps, image, decision.quarantineAgeMs, deps.rules.maxQuarantineAgeIso, decision.livePipeline, now);
      Object.assign(entry, { ageMs: decision.quarantineAgeMs, outcome: reason });
      break;
    }
    case "stale":
      entry.ageMs = decision.pipelineAgeMs;
      break;
    default:
      break;
  }
  deps.tally.decision(decision, entry);
}
