import { randomUUID } from "node:crypto";
import type { ManifestRecord, WebhookAction } from "../model.js";

export interface RequestFacts {
  host: string;
  method: string;
  userAgent?: string;
}

export interface WebhookEvent {
  id: string;
  timestamp: string;
  action: WebhookAction | "ping";
  target?: Record<string, unknown>;
  request?: Record<string, unknown>;
}

/** Payloads shaped like ACR's (acr-protocol.md §4.2): push/quarantine carry size, digest, repository and tag. */
export function imageEvent(
  action: "push" | "quarantine",
  record: ManifestRecord,
  tag: string | undefined,
  request: RequestFacts,
): WebhookEvent {
  const target: Record<string, unknown> = {
    mediaType: record.mediaType,
    size: record.size,
    digest: record.digest,
    length: record.size,
    repository: record.repository,
  };
  if (tag !== undefined) target.tag = tag;
  return {
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    action,
    target,
    request: { id: randomUUID(), host: request.host, method: request.method, useragent: request.userAgent ?? "" },
  };
}

export function deleteEvent(record: ManifestRecord, request: RequestFacts): WebhookEvent {
  return {
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    action: "delete",
    target: { mediaType: record.mediaType, digest: record.digest, repository: record.repository },
    request: { id: randomUUID(), host: request.host, method: request.method, useragent: request.userAgent ?? "" },
  };
}

/** ACR's ping body is unconfirmed; this follows the recommendation in acr-protocol.md §4.2. */
export function pingEvent(): WebhookEvent {
  return { id: randomUUID(), timestamp: new Date().toISOString(), action: "ping" };
}

export function eventTagAndRepository(event: WebhookEvent): { repository?: string; tag?: string } {
  const target = event.target ?? {};
  return {
    repository: typeof target.repository === "string" ? target.repository : undefined,
    tag: typeof target.tag === "string" ? target.tag : undefined,
  };
}
