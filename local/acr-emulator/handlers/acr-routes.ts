import { acrError } from "../errors.js";
import { isDigest, isRepositoryName, isTag } from "../names.js";

/**
 * ACR's own API as the data-plane spec defines it (Azure/azure-rest-api-specs @ 16c9ca76:
 * specification/containerregistry/data-plane/Azure.ContainerRegistry/stable/2021-07-01/containerregistry.json):
 * /acr/v1/_catalog, /acr/v1/{name}, /acr/v1/{name}/_tags[/{reference}], /acr/v1/{name}/_manifests[/{digest}].
 * Repository path components never start with "_", so "_tags" and "_manifests" cannot be part of a name.
 */
export type AcrRoute =
  | { kind: "catalog" }
  | { kind: "repository"; name: string }
  | { kind: "tags"; name: string }
  | { kind: "tag"; name: string; tag: string }
  | { kind: "manifests"; name: string }
  | { kind: "manifest"; name: string; digest: string };

export function parseAcrPath(pathname: string): AcrRoute {
  if (pathname === "/acr/v1/_catalog") return { kind: "catalog" };
  const m = /^\/acr\/v1\/(.+?)(?:\/(_tags|_manifests)(?:\/([^/]+))?)?$/.exec(pathname);
  if (!m) throw acrError(404, "NAME_UNKNOWN", "no such ACR endpoint");
  const [, name, collection, item] = m as unknown as [string, string, string | undefined, string | undefined];
  if (!isRepositoryName(name)) throw acrError(400, "NAME_INVALID", `invalid repository name "${name.slice(0, 300)}"`);
  if (collection === undefined) return { kind: "repository", name };
  if (collection === "_tags") {
    if (item === undefined) return { kind: "tags", name };
    if (!isTag(item)) throw acrError(400, "TAG_INVALID", `invalid tag "${item.slice(0, 200)}"`);
    return { kind: "tag", name, tag: item };
  }
  if (item === undefined) return { kind: "manifests", name };
  if (!isDigest(item)) throw acrError(400, "DIGEST_INVALID", `invalid digest "${item.slice(0, 200)}"`);
  return { kind: "manifest", name, digest: item };
}
