import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorContext } from "../context.js";
import { acrError } from "../errors.js";
import { assertTagDeletable } from "../locks.js";
import { authorize, type Caller } from "../middleware/auth.js";
import { DEFAULT_CHANGEABLE, type ManifestRecord, type TagRecord } from "../model.js";
import { isDigest } from "../names.js";
import { canSee } from "../visibility.js";
import { readJson } from "../../http/body.js";
import { sendEmpty, sendJson } from "../../http/respond.js";
import { backendRequest, readAll } from "../proxy.js";
import { parseChangeablePatch } from "./changeable-patch.js";
import { pageOf, parsePaging } from "./paging.js";
import { tagAttributes, type TaggedManifest } from "./tag-view.js";

/** Every tag of a repository the caller may see, with the manifest it names. */
function visibleTags(ctx: EmulatorContext, caller: Caller, repository: string): TaggedManifest[] {
  return ctx.store
    .manifestsOf(repository)
    .filter((m) => canSee(ctx, caller, m))
    .flatMap((manifest) => manifest.tags.map((name) => ({ name, manifest, record: ctx.store.tag(repository, name) })));
}

function tagUnknown(repository: string, tag: string) {
  return acrError(404, "MANIFEST_UNKNOWN", `manifest tagged by "${tag}" is not found`, { Name: repository, Tag: tag });
}

function repositoryUnknown(repository: string) {
  return acrError(404, "NAME_UNKNOWN", "repository name not known to registry", { Name: repository });
}

function manifestOfTag(ctx: EmulatorContext, repository: string, tag: string): ManifestRecord | undefined {
  return ctx.store.manifestsOf(repository).find((m) => m.tags.includes(tag));
}

/** GET /acr/v1/{name}/_tags — n, last, orderby (timedesc | timeasc | none) and digest, with a Link to the next page. */
export async function listTags(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  repository: string,
): Promise<void> {
  const caller = await authorize(ctx, req, { type: "repository", name: repository, action: "metadata_read" });
  ctx.stats.add("acr.read");
  ctx.stats.add("acr.tags.list");
  const paging = parsePaging(url);
  const orderby = url.searchParams.get("orderby") ?? "";
  if (!["", "none", "timedesc", "timeasc"].includes(orderby))
    throw acrError(400, "UNSUPPORTED", "orderby must be timedesc, timeasc or none");
  const digest = url.searchParams.get("digest");
  if (digest !== null && !isDigest(digest)) throw acrError(400, "DIGEST_INVALID", "invalid digest filter");
  if (ctx.store.manifestsOf(repository).length === 0) throw repositoryUnknown(repository);
  const tags = visibleTags(ctx, caller, repository).filter((t) => digest === null || t.manifest.digest === digest);
  const time = (t: TaggedManifest) => t.record?.lastUpdateTime ?? t.manifest.lastUpdateTime;
  const byName = (a: TaggedManifest, b: TaggedManifest) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  if (orderby === "timedesc") tags.sort((a, b) => time(b).localeCompare(time(a)) || byName(a, b));
  else if (orderby === "timeasc") tags.sort((a, b) => time(a).localeCompare(time(b)) || byName(a, b));
  else tags.sort(byName);
  const page = pageOf(tags, (t) => t.name, paging, orderby === "" || orderby === "none");
  const query = `last=${encodeURIComponent(page.next ?? "")}&n=${paging.n}&orderby=${orderby}`;
  sendJson(
    res,
    200,
    { registry: ctx.loginServer, imageName: repository, tags: page.items.map(tagAttributes) },
    page.next ? { Link: `</acr/v1/${repository}/_tags?${query}>; rel="next"` } : {},
  );
}

/** GET, PATCH (changeable attributes) and DELETE (untag) of /acr/v1/{name}/_tags/{reference}. */
export async function handleTag(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  repository: string,
  tag: string,
): Promise<void> {
  const method = req.method ?? "GET";
  if (method === "GET") {
    const caller = await authorize(ctx, req, { type: "repository", name: repository, action: "metadata_read" });
    ctx.stats.add("acr.read");
    ctx.stats.add("acr.tags.get");
    const manifest = manifestOfTag(ctx, repository, tag);
    if (!manifest || !canSee(ctx, caller, manifest)) throw tagUnknown(repository, tag);
    const view = tagAttributes({ name: tag, manifest, record: ctx.store.tag(repository, tag) });
    return sendJson(res, 200, { registry: ctx.loginServer, imageName: repository, tag: view });
  }
  if (method === "PATCH") {
    const caller = await authorize(ctx, req, { type: "repository", name: repository, action: "metadata_write" });
    ctx.stats.add("acr.write");
    ctx.stats.add("acr.tags.patch");
    const change = parseChangeablePatch(await readJson(req), "tag");
    if (!caller.capabilities.has("metadataWrite"))
      throw acrError(403, "DENIED", "changing tag attributes requires metadata write (AcrPush)");
    const manifest = manifestOfTag(ctx, repository, tag);
    if (!manifest || !canSee(ctx, caller, manifest)) throw tagUnknown(repository, tag);
    const current = ctx.store.tag(repository, tag);
    const record: TagRecord = {
      repository,
      name: tag,
      createdTime: current?.createdTime ?? manifest.createdTime,
      lastUpdateTime: new Date().toISOString(),
      changeable: { ...(current?.changeable ?? DEFAULT_CHANGEABLE), ...change },
    };
    ctx.store.putTags([record]);
    const view = tagAttributes({ name: tag, manifest, record });
    return sendJson(res, 200, { registry: ctx.loginServer, imageName: repository, tag: view });
  }
  if (method === "DELETE") {
    await authorize(ctx, req, { type: "repository", name: repository, action: "delete" });
    ctx.stats.add("acr.write");
    ctx.stats.add("acr.tags.delete");
    const manifest = manifestOfTag(ctx, repository, tag);
    if (!manifest) throw tagUnknown(repository, tag);
    assertTagDeletable(ctx.store, repository, tag);
    await untagInBackend(ctx, repository, tag);
    ctx.store.putManifests([
      { ...manifest, tags: manifest.tags.filter((t) => t !== tag), lastUpdateTime: new Date().toISOString() },
    ]);
    ctx.store.deleteTag(repository, tag);
    // No webhook: "Not triggered when a tag is deleted" (acr-protocol.md §4.2, delete event).
    return sendEmpty(res, 202);
  }
  throw acrError(405, "UNSUPPORTED", "use GET, PATCH or DELETE");
}

/**
 * Removes the tag from docker-registry too, so its /v2/{name}/tags/list agrees. Older docker-registry builds cannot
 * delete tags (they answer 4xx); the emulator's own record is what gates pulls by tag, so that answer is not fatal.
 */
async function untagInBackend(ctx: EmulatorContext, repository: string, tag: string): Promise<void> {
  const upstream = await backendRequest(ctx.backendUrl, "DELETE", `/v2/${repository}/manifests/${tag}`, {});
  await readAll(upstream);
}
