import type { IncomingMessage } from "node:http";
import type { EmulatorContext } from "../context.js";
import { DEFAULT_CHANGEABLE, type ManifestRecord } from "../model.js";
import { inspectManifest } from "../manifest-inspect.js";
import { isDigest } from "../names.js";
import { QUARANTINED } from "../quarantine.js";
import { deleteEvent, imageEvent, type RequestFacts } from "../webhooks/events.js";

export interface PushedManifest {
  repository: string;
  digest: string;
  reference: string;
  body: Buffer;
  contentType: string | undefined;
}

function requestFacts(ctx: EmulatorContext, req: IncomingMessage): RequestFacts {
  return {
    host: req.headers.host ?? ctx.loginServer,
    method: req.method ?? "PUT",
    userAgent: req.headers["user-agent"],
  };
}

/**
 * Records a pushed manifest. A new manifest is quarantined while the policy is on and a `quarantine` event fires for
 * every new manifest whatever the policy (acr-protocol.md §2.1); `push` fires when the policy is off, or when a tag is
 * pushed onto a manifest that is already Passed. A tag moved to a new manifest leaves the old one.
 */
export async function recordManifestPush(
  ctx: EmulatorContext,
  req: IncomingMessage,
  pushed: PushedManifest,
): Promise<void> {
  const now = new Date().toISOString();
  const tag = isDigest(pushed.reference) ? undefined : pushed.reference;
  const existing = ctx.store.getManifest(pushed.repository, pushed.digest);
  const policy = ctx.store.settings().quarantinePolicy;
  const changed: ManifestRecord[] = [];
  if (tag) {
    for (const other of ctx.store.manifestsOf(pushed.repository)) {
      if (other.digest !== pushed.digest && other.tags.includes(tag)) {
        changed.push({ ...other, tags: other.tags.filter((t) => t !== tag), lastUpdateTime: now });
      }
    }
  }
  let record: ManifestRecord;
  if (existing) {
    record = {
      ...existing,
      tags: tag && !existing.tags.includes(tag) ? [...existing.tags, tag] : existing.tags,
      lastUpdateTime: now,
    };
  } else {
    const facts = await inspectManifest(ctx.backendUrl, pushed.repository, pushed.body, pushed.contentType);
    record = {
      repository: pushed.repository,
      digest: pushed.digest,
      size: pushed.body.length,
      createdTime: now,
      lastUpdateTime: now,
      tags: tag ? [tag] : [],
      changeable: { deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true },
      ...facts,
      ...(policy === "enabled" ? { quarantineState: QUARANTINED } : {}),
    };
  }
  changed.push(record);
  ctx.store.putManifests(changed);
  if (tag) {
    // The tag's own record: created with its first push, updated whenever it is pushed again.
    const current = ctx.store.tag(pushed.repository, tag);
    ctx.store.putTags([
      {
        repository: pushed.repository,
        name: tag,
        createdTime: current?.createdTime ?? now,
        lastUpdateTime: now,
        changeable: current?.changeable ?? { ...DEFAULT_CHANGEABLE },
      },
    ]);
  }
  const facts = requestFacts(ctx, req);
  if (!existing) ctx.webhooks.emit(imageEvent("quarantine", record, tag, facts));
  if (policy === "disabled" || record.quarantineState === "Passed")
    ctx.webhooks.emit(imageEvent("push", record, tag, facts));
}

export function recordManifestDelete(
  ctx: EmulatorContext,
  req: IncomingMessage,
  repository: string,
  digest: string,
): void {
  const removed = ctx.store.deleteManifest(repository, digest);
  if (!removed) return;
  for (const tag of removed.tags) ctx.store.deleteTag(repository, tag);
  ctx.webhooks.emit(deleteEvent(removed, requestFacts(ctx, req)));
}
