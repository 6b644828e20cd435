import { createHash } from "node:crypto";
import type { EmulatorContext } from "./context.js";
import type { ManifestRecord } from "./model.js";

export interface SeedRequest {
  repositories: number;
  manifestsPerRepository: number;
  prefix?: string;
  quarantineState?: string;
}

/**
 * Seeds a large catalog cheaply: manifest metadata only (no blobs in docker-registry), for sweep tests and benchmarks
 * that need thousands of repositories. Seeded manifests list, get and PATCH like pushed ones; pulling them fails.
 */
export function seedManifests(ctx: EmulatorContext, request: SeedRequest): { repositories: number; manifests: number } {
  const prefix = request.prefix ?? "seed";
  const width = String(request.repositories - 1).length;
  const now = Date.now();
  let created = 0;
  for (let r = 0; r < request.repositories; r++) {
    const repository = `${prefix}/repo-${String(r).padStart(width, "0")}`;
    const batch: ManifestRecord[] = [];
    for (let m = 0; m < request.manifestsPerRepository; m++) {
      const digest = `sha256:${createHash("sha256").update(`${repository}#${m}`).digest("hex")}`;
      const time = new Date(now - (request.manifestsPerRepository - m) * 60_000).toISOString();
      batch.push({
        repository,
        digest,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        size: 512,
        createdTime: time,
        lastUpdateTime: time,
        tags: [`v${m}`],
        architecture: "amd64",
        os: "linux",
        changeable: { deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true },
        ...(request.quarantineState ? { quarantineState: request.quarantineState } : {}),
      });
    }
    ctx.store.putManifests(batch);
    created += batch.length;
  }
  return { repositories: request.repositories, manifests: created };
}
