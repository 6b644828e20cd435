import type { ManifestAttributes } from "../acr/manifest.js";
import type { RegistryClient } from "../acr/registry-client.js";
import { IMAGE_CONFIG_TYPES } from "../attest/own-referrer.js";
import { instantOf } from "../policy/instant.js";
import { resolveRemediation } from "../policy/remediation.js";
import type { PolicyDocument } from "../policy/types.js";
import { concurrencyWithin, selectCandidates, type Candidate, type ReleasedImage } from "./candidates.js";
import type { RemediationStore } from "./store.js";

export interface ListDeps {
  policy: PolicyDocument;
  /** Each registry's client under the re-evaluation's read budget (its requestsPerMinute). */
  registries: { loginServer: string; client: Pick<RegistryClient, "listRepositories" | "listManifests"> }[];
  store: RemediationStore;
  /** Digests listed as in use (REEVALUATE_IN_USE_IMAGES): re-evaluated whatever their age. */
  inUse: readonly { loginServer: string; repository: string; digest: string }[];
  /** The registry reads per minute re-evaluation may use (the sweep's share: SWEEP_READ_BUDGET_PERCENT of ReadOps). */
  readsPerMinute: number;
  /** Registry reads one image's re-evaluation costs (the scanner's pull: a manifest and its layers, plus writes). */
  readsPerImage: number;
  maxConcurrency: number;
}

/**
 * The images a run re-evaluates: every released (Passed) manifest of each registry, walked once through the catalog
 * and each repository's manifest list (one read per page), kept when it was pushed inside its repository's window;
 * plus the in-use list and every image with live records. Also how many may run at once within the read budget.
 */
export async function listCandidates(
  deps: ListDeps,
  now: Date,
): Promise<{ candidates: Candidate[]; concurrency: number }> {
  const released: ReleasedImage[] = [];
  for (const { loginServer, client } of deps.registries) {
    for await (const repository of client.listRepositories()) {
      for await (const manifest of client.listManifests(repository, { orderBy: "timedesc" })) {
        if (manifest.quarantine.state !== "Passed") continue;
        // An OCI artifact (the gate's own released referrers, signatures, SBOMs) is not an image: never scanned by
        // the pipeline, so not re-scanned either (docs/pipeline.md "The gate's own referrers").
        if (isArtifact(manifest)) continue;
        released.push({ loginServer, repository, digest: manifest.digest, pushedAt: manifest.createdTime });
      }
    }
  }
  const records = [];
  for await (const record of deps.store.list(["open", "blocked", "warned", "awaiting-approval", "closed"]))
    records.push(record);
  // Which vulnerabilities have an exception that has expired by now: records they closed are judged again.
  const expired = new Set(
    (deps.policy.exceptions ?? [])
      .filter((e) => (instantOf(e.expires) ?? 0) <= now.getTime())
      .map((e) => e.vulnerability.toUpperCase()),
  );
  const candidates = selectCandidates({
    released,
    inUse: deps.inUse,
    records,
    windowDays: (repository) => resolveRemediation(deps.policy, repository).reevaluationWindowDays,
    now,
    exceptionExpired: (record) => expired.has(record.findingId.toUpperCase()),
  });
  const concurrency = concurrencyWithin({
    readsPerMinute: deps.readsPerMinute,
    readsPerImage: deps.readsPerImage,
    secondsPerImage: 30,
    maxConcurrency: deps.maxConcurrency,
  });
  return { candidates, concurrency };
}

/** The registry reports a config that is not an image's (and the manifest is not an index): an artifact. */
function isArtifact(manifest: Pick<ManifestAttributes, "configMediaType" | "references">): boolean {
  const config = manifest.configMediaType;
  return config !== undefined && !IMAGE_CONFIG_TYPES.has(config) && (manifest.references ?? []).length === 0;
}
