import { acrError } from "./errors.js";
import { DEFAULT_CHANGEABLE, type ChangeableAttributes, type ManifestRecord } from "./model.js";
import type { RegistryStore } from "./persistence/store.js";

/**
 * ACR's locks: the changeable attributes of a repository, a tag and a manifest, each "managed separately"
 * (MicrosoftDocs/azure-management-docs @ 064a6550: articles/container-registry/container-registry-image-lock.md):
 * - readEnabled=false prevents "read (pull) operations on an image version, or an entire repository";
 * - writeEnabled=false locks an image against being overwritten, and "if the image attributes are set with
 *   writeEnabled=false or deleteEnabled=false, then it will block image deletion";
 * - a repository delete fails while "a lock exists on your repository, manifest, or image"
 *   (MicrosoftDocs/SupportArticles-docs: support/azure/azure-container-registry/delete-operation-issues.md, issue 4).
 * The refusal's message is the documented one (SupportArticles-docs: troubleshoot-push-error-operation-disallowed-timeout.md;
 * azure-docs container-registry-faq.md, "Why does my pull or push request fail with disallowed operation?"). Its code
 * REGISTRY_DISALLOWED_OPERATION and status 405 are seen only in third-party reports (a write-locked tag's delete answering
 * 405), so they are this emulator's choice, written down in docs/local-stack.md.
 */
export const DISALLOWED_MESSAGE =
  "The operation is disallowed on this registry, repository or image. View troubleshooting steps at https://aka.ms/acr/faq/#why-does-my-pull-or-push-request-fail-with-disallowed-operation";

export function disallowed(detail: Record<string, unknown>) {
  return acrError(405, "REGISTRY_DISALLOWED_OPERATION", DISALLOWED_MESSAGE, detail);
}

function repositoryLock(store: RegistryStore, repository: string): ChangeableAttributes {
  return store.repository(repository)?.changeable ?? DEFAULT_CHANGEABLE;
}

function tagLock(store: RegistryStore, repository: string, tag: string): ChangeableAttributes {
  return store.tag(repository, tag)?.changeable ?? DEFAULT_CHANGEABLE;
}

/**
 * A pull of a manifest, by tag or by digest. The repository's and the manifest's readEnabled apply to both; a tag's to
 * pulls by that tag. Whether a manifest's lock also stops a pull by one of its tags is not documented: refused here.
 */
export function assertReadable(
  store: RegistryStore,
  repository: string,
  manifest: ManifestRecord | undefined,
  tag: string | undefined,
): void {
  const locks = [repositoryLock(store, repository), manifest?.changeable ?? DEFAULT_CHANGEABLE];
  if (tag !== undefined) locks.push(tagLock(store, repository, tag));
  if (locks.some((l) => !l.readEnabled))
    throw disallowed({ Type: "repository", Name: repository, Action: "pull", Reference: tag ?? manifest?.digest });
}

/** A push of a manifest: the repository, the tag being pushed and the manifest it now names must all allow writes. */
export function assertWritable(store: RegistryStore, repository: string, reference: string, isTag: boolean): void {
  const locks = [repositoryLock(store, repository)];
  if (isTag) {
    locks.push(tagLock(store, repository, reference));
    const current = store.manifestsOf(repository).find((m) => m.tags.includes(reference));
    if (current) locks.push(current.changeable);
  } else {
    const existing = store.getManifest(repository, reference);
    if (existing) locks.push(existing.changeable);
  }
  if (locks.some((l) => !l.writeEnabled))
    throw disallowed({ Type: "repository", Name: repository, Action: "push", Reference: reference });
}

const deletable = (l: ChangeableAttributes) => l.deleteEnabled && l.writeEnabled;

/** A manifest delete: the repository, the manifest and every tag naming it must allow deletes and writes. */
export function assertManifestDeletable(store: RegistryStore, manifest: ManifestRecord): void {
  const locks = [
    repositoryLock(store, manifest.repository),
    manifest.changeable,
    ...manifest.tags.map((t) => tagLock(store, manifest.repository, t)),
  ];
  if (!locks.every(deletable))
    throw disallowed({ Type: "repository", Name: manifest.repository, Action: "delete", Reference: manifest.digest });
}

/** A tag delete (untag): the repository and the tag must allow deletes and writes. */
export function assertTagDeletable(store: RegistryStore, repository: string, tag: string): void {
  if (![repositoryLock(store, repository), tagLock(store, repository, tag)].every(deletable))
    throw disallowed({ Type: "repository", Name: repository, Action: "delete", Reference: tag });
}

/** A repository delete: no lock anywhere in it. */
export function assertRepositoryDeletable(store: RegistryStore, repository: string): void {
  if (!deletable(repositoryLock(store, repository)))
    throw disallowed({ Type: "repository", Name: repository, Action: "delete" });
  for (const manifest of store.manifestsOf(repository)) assertManifestDeletable(store, manifest);
}
