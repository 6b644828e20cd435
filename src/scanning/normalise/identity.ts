import { isDigest } from "../../acr/names.js";
import { ReportError } from "./errors.js";
import { preview } from "./preview.js";

/**
 * An OCI digest is `algorithm ":" encoded`, algorithm `[a-z0-9]+([+._-][a-z0-9]+)*` (opencontainers/image-spec,
 * descriptor.md#digests). This only says "this text is meant as a digest"; whether it is one the gate can compare
 * (sha256 or sha512, lowercase hex, as registries use) is `isDigest`.
 */
const DIGEST_LIKE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:/i;

function unreadable(format: string, where: string, value: string, expected: string): ReportError {
  return new ReportError("report-invalid", `The ${format} report names its image in a way the gate cannot read`, [
    `${where}: ${preview(value)} is not ${expected}`,
  ]);
}

/**
 * The digest of a repository digest (`name@sha256:<hex>`, as Trivy lists in RepoDigests). An entry that is not one is
 * refused: an identity the report carries but the gate cannot read must not switch the same-image check off.
 */
export function digestOfRepoDigest(entry: string, where: string, format: string): string {
  const at = entry.lastIndexOf("@");
  const digest = at > 0 ? entry.slice(at + 1) : "";
  if (!isDigest(digest)) throw unreadable(format, where, entry, "a repository digest such as name@sha256:<64 hex>");
  return digest;
}

/** The whole of a digest by the OCI grammar (algorithm ":" encoded), whatever the algorithm. */
const WHOLE_DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/i;

/**
 * The digest in an image reference (`registry/repo@sha256:<hex>`, or a digest alone), if it carries one. A reference
 * without one (a tag, a path, a path with an '@' in it) carries none; one that is meant as a digest but is not one the
 * gate can compare is refused.
 */
export function digestInReference(reference: string, where: string, format: string): string | undefined {
  const at = reference.lastIndexOf("@");
  const candidate = at < 0 ? reference : reference.slice(at + 1);
  if (at < 0 ? !WHOLE_DIGEST.test(candidate) : !DIGEST_LIKE.test(candidate)) return undefined;
  if (!isDigest(candidate)) throw unreadable(format, where, reference, "a reference with a sha256 or sha512 digest");
  return candidate;
}

/** A digest field (Harbor's artifact.digest): present means it must be a digest the gate can compare. */
export function digestField(value: string, where: string, format: string): string {
  if (!isDigest(value)) throw unreadable(format, where, value, "a digest such as sha256:<64 hex>");
  return value;
}
