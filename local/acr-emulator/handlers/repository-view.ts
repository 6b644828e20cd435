import { DEFAULT_CHANGEABLE, type ManifestRecord, type RepositoryRecord } from "../model.js";

/**
 * A repository as ACR reports it (RepositoryAttributes of the data-plane spec 2021-07-01: registry, imageName,
 * createdTime, lastUpdateTime, manifestCount, tagCount, changeableAttributes). The times are those of its oldest and
 * newest manifest; the counts are of what the caller may see.
 */
export function repositoryAttributes(
  loginServer: string,
  name: string,
  record: RepositoryRecord | undefined,
  manifests: readonly ManifestRecord[],
): Record<string, unknown> {
  const created = manifests.map((m) => m.createdTime).sort();
  const updated = manifests.map((m) => m.lastUpdateTime).sort();
  return {
    registry: loginServer,
    imageName: name,
    createdTime: created[0],
    lastUpdateTime: updated[updated.length - 1],
    manifestCount: manifests.length,
    tagCount: manifests.reduce((n, m) => n + m.tags.length, 0),
    changeableAttributes: { ...(record?.changeable ?? DEFAULT_CHANGEABLE) },
  };
}
