/**
 * The OCI distribution grammar for what names an image: repository, tag, digest, and the registry's host. One copy for
 * the whole project: the registry client (src/acr/names.ts), the webhook and status parsers, and the local emulators
 * all check names here. It imports nothing, so anything may use it.
 *
 * Source: OCI distribution spec, "Pulling manifests" (https://github.com/opencontainers/distribution-spec/blob/main/spec.md):
 * `<name>` is `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`, a tag is
 * `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`; digests per the OCI image spec's registered algorithms (sha256: 64 hex,
 * sha512: 128 hex, lowercase). ACR limits repository names to 255 characters (acr-protocol.md).
 */

/** One path component: lowercase alphanumerics joined by `.`, `_`, `__` or runs of `-`. */
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";

/** Anchored pattern sources, for places that need the text (JSON schemas) rather than a RegExp. */
export const PATTERN = {
  repository: `^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`,
  tag: "^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$",
  digest: "^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$",
} as const;

export const MAX_REPOSITORY_LENGTH = 255;

const REPOSITORY = new RegExp(PATTERN.repository);
const TAG = new RegExp(PATTERN.tag);
const DIGEST = new RegExp(PATTERN.digest);
/** A DNS name of labels (RFC 1123, lowercase) with an optional port: `myregistry.azurecr.io`, `localhost:5443`. */
const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const HOST_AND_PORT = new RegExp(`^(${LABEL}(?:\\.${LABEL})*)(?::(\\d{1,5}))?$`);

export function isRepositoryName(value: unknown): boolean {
  return typeof value === "string" && value.length <= MAX_REPOSITORY_LENGTH && REPOSITORY.test(value);
}

export function isTag(value: unknown): boolean {
  return typeof value === "string" && TAG.test(value);
}

export function isDigest(value: unknown): boolean {
  return typeof value === "string" && DIGEST.test(value);
}

/** A manifest reference in a registry path: a tag or a digest. */
export function isReference(value: unknown): boolean {
  return isTag(value) || isDigest(value);
}

/** A login server in lowercase: DNS labels (at most 253 characters) and an optional port from 1 to 65535. */
export function isLoginServer(value: unknown): boolean {
  if (typeof value !== "string" || value.length > 260) return false;
  const match = HOST_AND_PORT.exec(value);
  if (!match || match[1]!.length > 253) return false;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  return port === undefined || (port >= 1 && port <= 65535);
}

/** `loginServer/repository@digest`, split and checked; undefined unless every part is in the grammar. */
export function splitImageReference(
  reference: string,
): { loginServer: string; repository: string; digest: string } | undefined {
  const slash = reference.indexOf("/");
  const at = reference.lastIndexOf("@");
  if (slash < 0 || at < slash) return undefined;
  const parts = {
    loginServer: reference.slice(0, slash),
    repository: reference.slice(slash + 1, at),
    digest: reference.slice(at + 1),
  };
  return isLoginServer(parts.loginServer) && isRepositoryName(parts.repository) && isDigest(parts.digest)
    ? parts
    : undefined;
}
