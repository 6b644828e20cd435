import picomatch from "picomatch";

/**
 * ACR's webhook scope grammar (acr-protocol.md §4.4): "" matches every event; "foo:*" every tag of repository foo;
 * "foo:bar" only foo:bar; "foo" means "foo:latest". Repository parts may use glob wildcards ("team/*:*").
 * An event without a tag (a delete, a push by digest) matches only an empty scope or a "repo:*" scope.
 */
export function scopeMatches(scope: string, repository: string, tag: string | undefined): boolean {
  const trimmed = scope.trim();
  if (trimmed === "") return true;
  const colon = trimmed.lastIndexOf(":");
  const repoPattern = colon >= 0 ? trimmed.slice(0, colon) : trimmed;
  const tagPattern = colon >= 0 ? trimmed.slice(colon + 1) : "latest";
  if (!picomatch.isMatch(repository, repoPattern)) return false;
  if (tagPattern === "*") return true;
  return tag !== undefined && picomatch.isMatch(tag, tagPattern);
}
