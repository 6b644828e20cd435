import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorContext } from "../context.js";
import { acrError } from "../errors.js";
import { authorize, type Caller } from "../middleware/auth.js";
import { isDigest, isRepositoryName } from "../names.js";
import { isReleased } from "../quarantine.js";
import { readJson } from "../../http/body.js";
import { sendJson } from "../../http/respond.js";
import { applyManifestPatch } from "./manifest-patch.js";
import { manifestAttributes } from "./manifest-view.js";
import { pageOf, parsePaging } from "./paging.js";
import type { ManifestRecord } from "../model.js";

/** ACR's own API (/acr/v1/…): catalog, manifest listing, manifest attributes and the quarantine PATCH. */
export async function handleAcrApi(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const method = req.method ?? "GET";
  const path = url.pathname;
  if (path === "/acr/v1/_catalog") {
    if (method !== "GET") throw acrError(405, "UNSUPPORTED", "use GET");
    await authorize(ctx, req, { type: "registry", name: "catalog", action: "*" });
    ctx.stats.add("acr.read");
    ctx.stats.add("acr.catalog");
    const paging = parsePaging(url);
    const page = pageOf(ctx.store.repositories(), (r) => r, paging);
    return sendJson(
      res,
      200,
      { repositories: page.items },
      page.next ? { Link: `</acr/v1/_catalog?last=${encodeURIComponent(page.next)}&n=${paging.n}>; rel="next"` } : {},
    );
  }
  const m = /^\/acr\/v1\/(.+)\/_manifests(?:\/([^/]+))?$/.exec(path);
  if (!m) throw acrError(404, "NAME_UNKNOWN", "no such ACR endpoint");
  const repository = m[1]!;
  const digest = m[2];
  if (!isRepositoryName(repository))
    throw acrError(400, "NAME_INVALID", `invalid repository name "${repository.slice(0, 300)}"`);
  if (digest !== undefined && !isDigest(digest))
    throw acrError(400, "DIGEST_INVALID", `invalid digest "${digest.slice(0, 200)}"`);
  if (digest === undefined) {
    if (method !== "GET") throw acrError(405, "UNSUPPORTED", "use GET");
    const caller = await authorize(ctx, req, { type: "repository", name: repository, action: "metadata_read" });
    ctx.stats.add("acr.read");
    ctx.stats.add("acr.manifests.list");
    return listManifests(ctx, res, url, repository, caller);
  }
  if (method === "GET") {
    const caller = await authorize(ctx, req, { type: "repository", name: repository, action: "metadata_read" });
    ctx.stats.add("acr.read");
    ctx.stats.add("acr.manifests.get");
    const record = visibleManifest(ctx, caller, repository, digest);
    return sendJson(res, 200, {
      registry: ctx.loginServer,
      imageName: repository,
      manifest: manifestAttributes(record),
    });
  }
  if (method === "PATCH") {
    const caller = await authorize(ctx, req, { type: "repository", name: repository, action: "metadata_write" });
    ctx.stats.add("acr.write");
    ctx.stats.add("acr.manifests.patch");
    const body = await readJson(req);
    const record = ctx.store.getManifest(repository, digest);
    if (!record) throw acrError(404, "MANIFEST_UNKNOWN", "manifest unknown", { Name: repository, Revision: digest });
    const updated = applyManifestPatch(ctx, req, caller, record, body, canSee(ctx, caller, record));
    return sendJson(res, 200, {
      registry: ctx.loginServer,
      imageName: repository,
      manifest: manifestAttributes(updated),
    });
  }
  throw acrError(405, "UNSUPPORTED", "use GET or PATCH");
}

/** "Only a user with quarantine reader permissions can see the image" (acr-protocol.md §2.1). */
function canSee(ctx: EmulatorContext, caller: Caller, record: ManifestRecord): boolean {
  return caller.capabilities.has("quarantineRead") || isReleased(record, ctx.store.settings().quarantinePolicy);
}

function visibleManifest(ctx: EmulatorContext, caller: Caller, repository: string, digest: string): ManifestRecord {
  const record = ctx.store.getManifest(repository, digest);
  if (!record || !canSee(ctx, caller, record))
    throw acrError(404, "MANIFEST_UNKNOWN", "manifest unknown", { Name: repository, Revision: digest });
  return record;
}

function listManifests(ctx: EmulatorContext, res: ServerResponse, url: URL, repository: string, caller: Caller): void {
  const paging = parsePaging(url);
  const orderby = url.searchParams.get("orderby") ?? "";
  if (!["", "none", "timedesc", "timeasc"].includes(orderby))
    throw acrError(400, "UNSUPPORTED", `orderby must be timedesc, timeasc or none`);
  const records = ctx.store.manifestsOf(repository).filter((r) => canSee(ctx, caller, r));
  const byDigest = (a: ManifestRecord, b: ManifestRecord) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0);
  const sorted =
    orderby === "timedesc"
      ? records.sort((a, b) => b.lastUpdateTime.localeCompare(a.lastUpdateTime) || byDigest(a, b))
      : orderby === "timeasc"
        ? records.sort((a, b) => a.lastUpdateTime.localeCompare(b.lastUpdateTime) || byDigest(a, b))
        : records.sort(byDigest);
  const page = pageOf(sorted, (r) => r.digest, paging, orderby === "" || orderby === "none");
  const link: Record<string, string> = page.next
    ? {
        Link: `</acr/v1/${repository}/_manifests?last=${encodeURIComponent(page.next)}&n=${paging.n}&orderby=${orderby}>; rel="next"`,
      }
    : {};
  sendJson(
    res,
    200,
    { registry: ctx.loginServer, imageName: repository, manifests: page.items.map(manifestAttributes) },
    link,
  );
}
