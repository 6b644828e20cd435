import type { RepositoryName } from "./names.js";

/** Token actions on a repository (acr-protocol.md §1.9). */
export type RepositoryAction = "pull" | "push" | "delete" | "metadata_read" | "metadata_write";

const ACTION_ORDER: readonly RepositoryAction[] = ["pull", "push", "delete", "metadata_read", "metadata_write"];

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
