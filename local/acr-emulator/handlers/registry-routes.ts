import { acrError } from "../errors.js";
import { isDigest, isReference, isRepositoryName } from "../names.js";
import type { Requirement } from "../middleware/auth.js";

export type RegistryRoute =
  | { kind: "base" }
  | { kind: "catalog" }
  | { kind: "manifest"; name: string; reference: string }
  | { kind: "blob"; name: string; digest: string }
  | { kind: "upload"; name: string }
  | { kind: "tags"; name: string }
  | { kind: "referrers"; name: string; digest: string };

/**
 * Parses a /v2 path (already screened for encodings and dot segments by the server) and checks every name against
 * the OCI grammar before anything is forwarded.
 */
export function parseRegistryPath(pathname: string): RegistryRoute {
  if (pathname === "/v2/" || pathname === "/v2") return { kind: "base" };
  if (pathname === "/v2/_catalog") return { kind: "catalog" };
  let m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(pathname);
  if (m) return { kind: "manifest", name: checkName(m[1]!), reference: checkReference(m[2]!) };
  m = /^\/v2\/(.+)\/blobs\/uploads(?:\/[A-Za-z0-9._=-]*)?$/.exec(pathname);
  if (m) return { kind: "upload", name: checkName(m[1]!) };
  m = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(pathname);
  if (m) return { kind: "blob", name: checkName(m[1]!), digest: checkDigest(m[2]!) };
  m = /^\/v2\/(.+)\/tags\/list$/.exec(pathname);
  if (m) return { kind: "tags", name: checkName(m[1]!) };
  m = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(pathname);
  if (m) return { kind: "referrers", name: checkName(m[1]!), digest: checkDigest(m[2]!) };
  throw acrError(404, "NAME_UNKNOWN", "no such registry endpoint");
}

function checkName(name: string): string {
  if (!isRepositoryName(name)) throw acrError(400, "NAME_INVALID", `invalid repository name "${name.slice(0, 300)}"`);
  return name;
}

function checkReference(reference: string): string {
  if (!isReference(reference))
    throw acrError(400, "MANIFEST_INVALID", `invalid tag or digest "${reference.slice(0, 200)}"`);
  return reference;
}

function checkDigest(digest: string): string {
  if (!isDigest(digest)) throw acrError(400, "DIGEST_INVALID", `invalid digest "${digest.slice(0, 200)}"`);
  return digest;
}

/** The token action a request needs, as Docker's token scopes define them. */
export function requirementFor(route: RegistryRoute, method: string): Requirement | null {
  const read = method === "GET" || method === "HEAD";
  switch (route.kind) {
    case "base":
      return null;
    case "catalog":
      return { type: "registry", name: "catalog", action: "*" };
    case "upload":
      return { type: "repository", name: route.name, action: "push" };
    case "manifest":
    case "blob":
      if (method === "DELETE") return { type: "repository", name: route.name, action: "delete" };
      return { type: "repository", name: route.name, action: read ? "pull" : "push" };
    case "tags":
    case "referrers":
      return { type: "repository", name: route.name, action: "pull" };
  }
}
