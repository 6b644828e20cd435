/**
 * The OCI distribution grammar for what may appear in a registry path. Everything is checked before any path is
 * built or forwarded, so path tricks (`..`, encoded slashes, backslashes) never reach docker-registry.
 */
const PATH_COMPONENT = "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*";
const REPOSITORY = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const MAX_REPOSITORY_LENGTH = 255;

export function isRepositoryName(name: string): boolean {
  return name.length <= MAX_REPOSITORY_LENGTH && REPOSITORY.test(name);
}

export function isTag(reference: string): boolean {
  return TAG.test(reference);
}

export function isDigest(reference: string): boolean {
  return DIGEST.test(reference);
}

export function isReference(reference: string): boolean {
  return isTag(reference) || isDigest(reference);
}
