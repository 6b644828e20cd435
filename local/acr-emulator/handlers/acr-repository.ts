import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorContext } from "../context.js";
import { acrError } from "../errors.js";
import { assertRepositoryDeletable } from "../locks.js";
import { authorize } from "../middleware/auth.js";
import { DEFAULT_CHANGEABLE } from "../model.js";
import { backendRequest, readAll } from "../proxy.js";
import { canSee } from "../visibility.js";
import { readJson } from "../../http/body.js";
import { sendJson } from "../../http/respond.js";
import { parseChangeablePatch } from "./changeable-patch.js";
import { recordManifestDelete } from "./manifest-events.js";
import { repositoryAttributes } from "./repository-view.js";

function repositoryUnknown(repository: string) {
  return acrError(404, "NAME_UNKNOWN", "repository name not known to registry", { Name: repository });
}

/**
 * GET (attributes), PATCH (changeable attributes) and DELETE of /acr/v1/{name}. A repository exists while it holds a
 * manifest; a caller without quarantine read sees only released ones (and no repository that holds none).
 */
export async function handleRepository(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  repository: string,
): Promise<void> {
  const method = req.method ?? "GET";
  if (method === "GET" || method === "PATCH") {
    const write = method === "PATCH";
    const caller = await authorize(ctx, req, {
      type: "repository",
      name: repository,
      action: write ? "metadata_write" : "metadata_read",
    });
    ctx.stats.add(write ? "acr.write" : "acr.read");
    ctx.stats.add(write ? "acr.repository.patch" : "acr.repository.get");
    const change = write ? parseChangeablePatch(await readJson(req), "repository") : undefined;
    if (write && !caller.capabilities.has("metadataWrite"))
      throw acrError(403, "DENIED", "changing repository attributes requires metadata write (AcrPush)");
    const visible = ctx.store.manifestsOf(repository).filter((m) => canSee(ctx, caller, m));
    if (visible.length === 0) throw repositoryUnknown(repository);
    let record = ctx.store.repository(repository);
    if (change) {
      record = { name: repository, changeable: { ...(record?.changeable ?? DEFAULT_CHANGEABLE), ...change } };
      ctx.store.putRepository(record);
    }
    return sendJson(res, 200, repositoryAttributes(ctx.loginServer, repository, record, visible));
  }
  if (method === "DELETE") {
    await authorize(ctx, req, { type: "repository", name: repository, action: "delete" });
    ctx.stats.add("acr.write");
    ctx.stats.add("acr.repository.delete");
    const manifests = ctx.store.manifestsOf(repository);
    if (manifests.length === 0) throw repositoryUnknown(repository);
    assertRepositoryDeletable(ctx.store, repository);
    for (const manifest of manifests) {
      // Seeded manifests exist only in the emulator's records; docker-registry answers 404 for them.
      const upstream = await backendRequest(
        ctx.backendUrl,
        "DELETE",
        `/v2/${repository}/manifests/${manifest.digest}`,
        {},
      );
      await readAll(upstream);
      if (upstream.statusCode !== 202 && upstream.statusCode !== 404)
        throw acrError(502, "UNKNOWN", `the backend registry refused to delete ${manifest.digest}`);
      // A delete event per manifest: "triggered when a repository or manifest is deleted" (acr-protocol.md §4.2).
      recordManifestDelete(ctx, req, repository, manifest.digest);
    }
    ctx.store.deleteRepository(repository);
    // DeletedRepository of the data-plane spec: 202 with manifestsDeleted and tagsDeleted.
    return sendJson(res, 202, {
      manifestsDeleted: manifests.map((m) => m.digest),
      tagsDeleted: manifests.flatMap((m) => m.tags),
    });
  }
  throw acrError(405, "UNSUPPORTED", "use GET, PATCH or DELETE");
}
