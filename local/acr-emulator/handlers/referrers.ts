import type { ServerResponse } from "node:http";
import type { EmulatorContext } from "../context.js";
import type { Caller } from "../middleware/auth.js";
import { isDigest } from "../names.js";
import { isReleased } from "../quarantine.js";
import type { ReferrerRecord } from "../persistence/referrers-index.js";
import { pageOf, parsePaging } from "./paging.js";

/**
 * The OCI 1.1 referrers API, which the Debian docker-registry 2.8 under the emulator lacks. Every rule below is from
 * the OCI distribution-spec v1.1 (opencontainers/distribution-spec @ 967efdc0, spec.md):
 * - "Pushing Manifests with Subject": a registry that supports the referrers API MUST answer a push of a manifest with
 *   a `subject` with the header `OCI-Subject: <subject digest>`;
 * - "Push": a manifest whose `subject` does not exist MUST be accepted (referrers may be pushed before their subject);
 * - "Listing Referrers": GET /v2/<name>/referrers/<digest> answers 200 (never 404) with an image index
 *   (Content-Type application/vnd.oci.image.index.v1+json) of descriptors of manifests in <name> whose `subject` is
 *   <digest>; each descriptor carries the manifest's `artifactType`, or for an image manifest without one its config's
 *   mediaType (an index without one has none), and the manifest's annotations; no match → an empty list; a digest of
 *   invalid syntax → 400 (registry-routes.ts); `?artifactType=` filters and the answer then says
 *   `OCI-Filters-Applied: artifactType`; a list that does not fit one answer carries `Link: <…>; rel="next"`.
 *
 * Quarantine (emulator's choice, unconfirmed for ACR, docs/local-stack.md "Referrers and quarantine"): a referrer is
 * a manifest like any other, so it is quarantined on push and its pull by digest follows the quarantine rules
 * (registry.ts); the list shows a caller without quarantine read only the referrers that are released (or pushed
 * while the policy was off), as a tag of a quarantined manifest does not exist for such a caller.
 */

export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const INDEX_TYPES = new Set([OCI_INDEX, "application/vnd.docker.distribution.manifest.list.v2+json"]);

interface RawManifest {
  mediaType?: unknown;
  artifactType?: unknown;
  config?: { mediaType?: unknown };
  subject?: { digest?: unknown };
  annotations?: unknown;
}

/**
 * The referrer record of a pushed manifest, or undefined when it has no valid `subject` (the spec lists only
 * manifests "with a valid subject field"; docker-registry already accepted the bytes as a manifest).
 */
export function referrerOf(
  repository: string,
  digest: string,
  body: Buffer,
  contentType: string | undefined,
): ReferrerRecord | undefined {
  let raw: RawManifest;
  try {
    raw = JSON.parse(body.toString("utf8")) as RawManifest;
  } catch {
    return undefined;
  }
  if (typeof raw !== "object" || raw === null) return undefined;
  const subject = raw.subject?.digest;
  if (typeof subject !== "string" || !isDigest(subject)) return undefined;
  const mediaType =
    typeof raw.mediaType === "string" ? raw.mediaType : (contentType ?? "application/vnd.oci.image.manifest.v1+json");
  const record: ReferrerRecord = { repository, subject, digest, mediaType, size: body.length };
  if (typeof raw.artifactType === "string" && raw.artifactType !== "") record.artifactType = raw.artifactType;
  else if (!INDEX_TYPES.has(mediaType) && typeof raw.config?.mediaType === "string")
    record.artifactType = raw.config.mediaType;
  const annotations = stringMap(raw.annotations);
  if (annotations) record.annotations = annotations;
  return record;
}

function stringMap(value: unknown): Record<string, string> | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string");
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** Indexes a pushed manifest with a subject; returns the header the push answer must carry, or {}. */
export function indexPushedReferrer(
  ctx: EmulatorContext,
  repository: string,
  digest: string,
  body: Buffer,
  contentType: string | undefined,
): Record<string, string> {
  const record = referrerOf(repository, digest, body, contentType);
  if (!record) return {};
  ctx.referrers.put(record);
  return { "OCI-Subject": record.subject };
}

/** GET /v2/<name>/referrers/<digest>[?artifactType=…]: the index of referrers (see the rules above). */
export function listReferrers(
  ctx: EmulatorContext,
  res: ServerResponse,
  url: URL,
  repository: string,
  subject: string,
  caller: Caller,
): void {
  const policy = ctx.store.settings().quarantinePolicy;
  const visible = ctx.referrers.referrersOf(repository, subject).filter((r) => {
    const manifest = ctx.store.getManifest(repository, r.digest);
    // Deleted since (the index is pruned on delete; this also covers a manifest deleted behind the emulator's back).
    if (!manifest) return false;
    return caller.capabilities.has("quarantineRead") || isReleased(manifest, policy);
  });
  const artifactType = url.searchParams.get("artifactType");
  const filtered = artifactType === null ? visible : visible.filter((r) => r.artifactType === artifactType);
  const paging = parsePaging(url);
  const page = pageOf(filtered, (r) => r.digest, paging);
  const headers: Record<string, string> = { "Docker-Distribution-Api-Version": "registry/2.0" };
  if (artifactType !== null) headers["OCI-Filters-Applied"] = "artifactType";
  if (page.next) {
    const next = new URLSearchParams({ n: String(paging.n), last: page.next });
    if (artifactType !== null) next.set("artifactType", artifactType);
    headers.Link = `</v2/${repository}/referrers/${subject}?${next.toString()}>; rel="next"`;
  }
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: page.items.map((r) => ({
        mediaType: r.mediaType,
        digest: r.digest,
        size: r.size,
        ...(r.artifactType ? { artifactType: r.artifactType } : {}),
        ...(r.annotations ? { annotations: r.annotations } : {}),
      })),
    }),
  );
  res.writeHead(200, { ...headers, "Content-Type": OCI_INDEX, "Content-Length": String(body.length) });
  res.end(body);
}
