import type { RepositoryName } from "./names.js";

/** Token actions on a repository (acr-protocol.md §1.9). */
export type RepositoryAction = "pull" | "push" | "delete" | "metadata_read" | "metadata_write";

const ACTION_ORDER: readonly RepositoryAction[] = ["pull", "push", "delete", "metadata_read", "metadata_write"];

/**
 * What a release asks for on the repository: the actions of ACR's quarantine docs, whose AcrQuarantineWriter fetches
 * "a Push access token" with `scope=repository:<image>:pull,push` before the PATCH (Azure/acr @ 5d16fc86:
 * docs/preview/quarantine/readme.md, "Remove the Quarantine Flag"), together with metadata_read and metadata_write, the
 * actions of ACR's metadata API (azure-cli 2.45 acr/_docker_utils.py RepoAccessTokenPermission: attribute updates ask
 * for metadata_write,metadata_read). Which of them ACR really checks for the PATCH is unconfirmed (acr-protocol.md §8.3);
 * the token server grants only what the identity's roles allow, so asking for all four costs nothing.
 */
export const RELEASE_ACTIONS: readonly RepositoryAction[] = ["pull", "push", "metadata_read", "metadata_write"];

/** The catalog scope; "catalog only has * as permission, even for a read operation". */
export const CATALOG_SCOPE = "registry:catalog:*";

/** `repository:<name>:<actions>` with the actions deduplicated in one fixed order, so equal sets give equal strings. */
export function repositoryScope(repository: RepositoryName, actions: Iterable<RepositoryAction>): string {
  const wanted = new Set(actions);
  return `repository:${repository}:${ACTION_ORDER.filter((a) => wanted.has(a)).join(",")}`;
}

/** A cache key for a set of scopes: order and duplicates do not matter. */
export function scopeKey(scopes: readonly string[]): string {
  return [...new Set(scopes)].sort().join(" ");
}
