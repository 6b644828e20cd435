import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorContext } from "../context.js";
import { acrError } from "../errors.js";
import { authorize, type Caller } from "../middleware/auth.js";
import { isDigest } from "../names.js";
import { backendRequest, forwardableHeaders, readAll, relay } from "../proxy.js";
import { isReleased } from "../quarantine.js";
import { assertManifestDeletable, assertReadable, assertWritable } from "../locks.js";
import { parseRegistryPath, requirementFor } from "./registry-routes.js";
import { recordManifestDelete, recordManifestPush } from "./manifest-events.js";
import { readBody } from "../../http/body.js";
import { sendJson } from "../../http/respond.js";
import { pageOf, parsePaging } from "./paging.js";
import { indexPushedReferrer, listReferrers } from "./referrers.js";

/** ACR's documented limit on manifest size (acr-protocol.md §5.1). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** The Docker Registry HTTP API (/v2/…) with ACR's auth and quarantine gating in front of docker-registry. */
export async function handleRegistry(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const method = req.method ?? "GET";
  const route = parseRegistryPath(url.pathname);
  const requirement = requirementFor(route, method);
  const caller = await authorize(ctx, req, requirement);
  // A quarantine writer's push grant changes quarantine state only (roles.ts); writing an image needs AcrPush.
  if (requirement?.action === "push" && !caller.capabilities.has("push"))
    throw acrError(403, "DENIED", "requested access to the resource is denied", [
      { Type: "repository", Name: requirement.name, Action: "push" },
    ]);
  ctx.stats.add(`v2.${method === "GET" || method === "HEAD" ? "read" : "write"}`);
  const path = `${url.pathname}${url.search}`;
  if (route.kind === "manifest" && (method === "GET" || method === "HEAD")) {
    return pullManifest(ctx, req, res, path, route.name, route.reference, caller);
  }
  if (route.kind === "manifest" && method === "PUT")
    return pushManifest(ctx, req, res, path, route.name, route.reference);
  if (route.kind === "manifest" && method === "DELETE")
    return deleteManifest(ctx, req, res, path, route.name, route.reference);
  if (route.kind === "tags" && method === "GET") return listTagsV2(ctx, req, res, path, route.name);
  if (route.kind === "catalog" && method === "GET") return catalogV2(ctx, res, url);
  if (route.kind === "referrers" && method === "GET")
    return listReferrers(ctx, res, url, route.name, route.digest, caller);
  if (route.kind === "blob" && method === "GET") {
    // ACR answers blob downloads with a redirect to its storage data endpoint; here the data endpoint is
    // docker-registry itself on loopback. Clients follow it without the registry token, as they do with ACR.
    res.writeHead(307, {
      Location: `${ctx.backendUrl}${path}`,
      "Content-Length": "0",
      "Docker-Distribution-Api-Version": "registry/2.0",
    });
    return void res.end();
  }
  const upstream = await backendRequest(
    ctx.backendUrl,
    method,
    path,
    forwardableHeaders(req.headers),
    method === "GET" || method === "HEAD" ? undefined : req,
  );
  relay(upstream, res);
}

/**
 * Pull of a manifest. With the policy on and the manifest not Passed: by tag it does not exist (404 MANIFEST_UNKNOWN);
 * by digest only principals with quarantine read may have it, everyone else gets "The operation is disallowed."
 * (ACR's status code for that is unconfirmed; 403 is this emulator's choice). Then the locks: a repository, tag or
 * manifest with readEnabled=false refuses the pull (locks.ts).
 */
async function pullManifest(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  name: string,
  reference: string,
  caller: Caller,
): Promise<void> {
  const upstream = await backendRequest(ctx.backendUrl, req.method ?? "GET", path, forwardableHeaders(req.headers));
  if (upstream.statusCode !== 200) return relay(upstream, res);
  const byTag = !isDigest(reference);
  const digest = String(upstream.headers["docker-content-digest"] ?? (byTag ? "" : reference));
  const record = ctx.store.getManifest(name, digest);
  try {
    // A tag untagged or moved through the ACR API no longer names this manifest, whatever docker-registry still says.
    if (byTag && record && !record.tags.includes(reference))
      throw acrError(404, "MANIFEST_UNKNOWN", "manifest unknown", { Tag: reference });
    if (!isReleased(record, ctx.store.settings().quarantinePolicy)) {
      if (byTag) throw acrError(404, "MANIFEST_UNKNOWN", "manifest unknown", { Tag: reference });
      if (!caller.capabilities.has("quarantineRead")) throw acrError(403, "UNKNOWN", "The operation is disallowed.");
    }
    assertReadable(ctx.store, name, record, byTag ? reference : undefined);
  } catch (error) {
    upstream.resume();
    throw error;
  }
  relay(upstream, res);
}

async function pushManifest(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  name: string,
  reference: string,
): Promise<void> {
  assertWritable(ctx.store, name, reference, !isDigest(reference));
  const body = await readBody(req, MAX_MANIFEST_BYTES);
  const headers = forwardableHeaders(req.headers);
  headers["content-length"] = String(body.length);
  const upstream = await backendRequest(ctx.backendUrl, "PUT", path, headers, body);
  const answer = await readAll(upstream);
  const digest = upstream.headers["docker-content-digest"];
  let subject: Record<string, string> = {};
  if (upstream.statusCode === 201 && typeof digest === "string") {
    subject = indexPushedReferrer(ctx, name, digest, body, req.headers["content-type"]);
    // Recorded (and quarantined) before the client hears "created", so no pull can slip in between.
    await recordManifestPush(ctx, req, {
      repository: name,
      digest,
      reference,
      body,
      contentType: req.headers["content-type"],
    });
  }
  res.writeHead(upstream.statusCode ?? 502, { ...forwardableHeaders(upstream.headers), ...subject });
  res.end(answer);
}

async function deleteManifest(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  name: string,
  reference: string,
): Promise<void> {
  if (!isDigest(reference)) throw acrError(400, "UNSUPPORTED", "manifests are deleted by digest");
  const record = ctx.store.getManifest(name, reference);
  if (record) assertManifestDeletable(ctx.store, record);
  const upstream = await backendRequest(ctx.backendUrl, "DELETE", path, forwardableHeaders(req.headers));
  const answer = await readAll(upstream);
  if (upstream.statusCode === 202) {
    recordManifestDelete(ctx, req, name, reference);
    ctx.referrers.remove(name, reference);
  }
  res.writeHead(upstream.statusCode ?? 502, forwardableHeaders(upstream.headers));
  res.end(answer);
}

/**
 * GET /v2/{name}/tags/list, from docker-registry but without the tags the ACR API removed: docker-registry 2.8 cannot
 * delete a tag (it answers DIGEST_INVALID), so an untagged name would otherwise still be listed here.
 */
async function listTagsV2(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  name: string,
): Promise<void> {
  const upstream = await backendRequest(ctx.backendUrl, "GET", path, forwardableHeaders(req.headers));
  if (upstream.statusCode !== 200) return relay(upstream, res);
  const body = JSON.parse((await readAll(upstream)).toString("utf8")) as { name: string; tags: string[] | null };
  const known = new Set(ctx.store.manifestsOf(name).flatMap((m) => m.tags));
  const tags = (body.tags ?? []).filter((t) => known.has(t));
  const payload = Buffer.from(JSON.stringify({ name: body.name, tags }));
  res.writeHead(200, { ...forwardableHeaders(upstream.headers), "content-length": String(payload.length) });
  res.end(payload);
}

/**
 * GET /v2/_catalog from the emulator's records, like /acr/v1/_catalog: docker-registry never drops a repository from
 * its catalog, while ACR's no longer lists a deleted one. Link format as ACR documents it for /v2/_catalog
 * (acr-protocol.md §2.6, S1: `</v2/_catalog?last=…&n=…&orderby=>; rel="next"`).
 */
function catalogV2(ctx: EmulatorContext, res: ServerResponse, url: URL): void {
  const paging = parsePaging(url);
  const page = pageOf(ctx.store.repositories(), (r) => r, paging);
  sendJson(
    res,
    200,
    { repositories: page.items },
    page.next
      ? { Link: `</v2/_catalog?last=${encodeURIComponent(page.next)}&n=${paging.n}&orderby=>; rel="next"` }
      : {},
  );
}
