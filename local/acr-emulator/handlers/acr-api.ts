import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorContext } from "../context.js";
import { acrError } from "../errors.js";
import { authorize, type Caller } from "../middleware/auth.js";
import { canSee } from "../visibility.js";
import { readJson } from "../../http/body.js";
import { sendJson } from "../../http/respond.js";
import { applyManifestPatch } from "./manifest-patch.js";
import { manifestAttributes } from "./manifest-view.js";
import { pageOf, parsePaging } from "./paging.js";
import { parseAcrPath } from "./acr-routes.js";
import { handleRepository } from "./acr-repository.js";
import { handleTag, listTags } from "./acr-tags.js";
import type { ManifestRecord } from "../model.js";

/**
 * ACR's own API (/acr/v1/…): catalog; repository, tag and manifest attributes; the quarantine PATCH; repository and
 * tag deletes. Paths and shapes are those of the data-plane spec (see acr-routes.ts).
 */
export async function handleAcrApi(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const method = req.method ?? "GET";
  const route = parseAcrPath(url.pathname);
  switch (route.kind) {
    case "catalog":
      return catalog(ctx, req, res, url);
    case "repository":
      return handleRepository(ctx, req, res, route.name);
    case "tags":
      if (method !== "GET") throw acrError(405, "UNSUPPORTED", "use GET");
      return listTags(ctx, req, res, url, route.name);
    case "tag":
      return handleTag(ctx, req, res, route.name, route.tag);
    case "manifests": {
      if (method !== "GET") throw acrError(405, "UNSUPPORTED", "use GET");
      const caller = await authorize(ctx, req, { type: "repository", name: route.name, action: "metadata_read" });
      ctx.stats.add("acr.read");
      ctx.stats.add("acr.manifests.list");
      return listManifests(ctx, res, url, route.name, caller);
    }
    case "manifest":
      return handleManifest(ctx, req, res, route.name, route.digest);
  }
}

async function catalog(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method !== "GET") throw acrError(405, "UNSUPPORTED", "use GET");
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

async function handleManifest(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  repository: string,
  digest: string,
): Promise<void> {
  const method = req.method ?? "GET";
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
    // ACR's quarantine docs release with a token for pull,push (acr-protocol.md §2.2, S3); az's attribute updates ask
    // for metadata_write. Either action admits the PATCH; applyManifestPatch then checks the roles field by field.
    const caller = await authorize(ctx, req, { type: "repository", name: repository, action: "metadata_write" }, [
      "push",
    ]);
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
