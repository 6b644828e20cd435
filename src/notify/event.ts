import { createHash } from "node:crypto";
import { CloudEvent } from "cloudevents";
import type { NotificationFacts, NotificationType, NotifyRequest } from "../pipeline/contract/notify.js";

/**
 * The one event model: CloudEvents 1.0 (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md), built
 * with the CloudEvents SDK. `type` is the documented name under a reverse-DNS prefix, as the spec recommends
 * ("SHOULD be prefixed with a reverse-DNS name"); `source` is the registry's ARM resource id (its login server when
 * none is configured, e.g. locally); `subject` is `repository@digest`; `id` is derived from the occurrence, so a
 * replayed or repeated activity produces the same id, which is how consumers (and our own delivery ledger)
 * deduplicate: "Consumers MAY assume that Events with identical source and id are duplicates".
 */
export const NOTIFICATION_TYPE_PREFIX = "io.github.acr-quarantine-gate.";

/** The data of every event: the image, the facts, the links. Never tokens, report bodies or sink URLs. */
export interface NotificationData extends NotificationFacts {
  /** `loginServer/repository@digest`, or the login server for sweep.completed. */
  image: string;
  registry: string;
  repository?: string;
  digest?: string;
  tag?: string;
  at: string;
  links: { status?: string; approval?: string };
}

export type NotificationEvent = CloudEvent<NotificationData>;

/** `ntf-` + 32 hex of SHA-256 over (instance, type, round): one id per occurrence, the same on every repeat. */
export function notificationEventId(request: Pick<NotifyRequest, "instanceId" | "type" | "round">): string {
  const hash = createHash("sha256")
    .update(JSON.stringify([request.instanceId, request.type, request.round]))
    .digest("hex");
  return `ntf-${hash.slice(0, 32)}`;
}

export function cloudEventType(type: NotificationType): string {
  return `${NOTIFICATION_TYPE_PREFIX}${type}`;
}

/** The short type of a CloudEvent type this app emits; undefined for another producer's. */
export function shortType(type: string): string | undefined {
  return type.startsWith(NOTIFICATION_TYPE_PREFIX) ? type.slice(NOTIFICATION_TYPE_PREFIX.length) : undefined;
}

/**
 * Builds the CloudEvent of one occurrence. `source` is the registry's resource id or login server (see
 * eventSource). The SDK validates the attributes (strict mode: a missing id, source or type throws).
 */
export function buildNotificationEvent(request: NotifyRequest, source: string): NotificationEvent {
  const { image } = request;
  const isImage = image.repository !== "" && image.digest !== "";
  const data: NotificationData = {
    image: isImage ? `${image.loginServer}/${image.repository}@${image.digest}` : image.loginServer,
    registry: image.loginServer,
    ...(isImage ? { repository: image.repository, digest: image.digest } : {}),
    ...(request.tag ? { tag: request.tag } : {}),
    ...request.facts,
    at: request.at,
    links: request.statusUrl
      ? {
          status: request.statusUrl,
          // The approval page is not built yet: approval events link to the status API until it is.
          ...(request.type.startsWith("approval.") ? { approval: request.statusUrl } : {}),
        }
      : {},
  };
  return new CloudEvent<NotificationData>(
    {
      id: notificationEventId(request),
      source,
      type: cloudEventType(request.type),
      subject: isImage ? `${image.repository}@${image.digest}` : `sweep/${image.loginServer}`,
      time: request.at,
      datacontenttype: "application/json",
      data,
    },
    true,
  );
}

/** `source`: the registry's ARM resource id when configured (GATE_REGISTRY_RESOURCE_IDS), else its login server. */
export function eventSource(loginServer: string, resourceIds: ReadonlyMap<string, string>): string {
  return resourceIds.get(loginServer.toLowerCase()) ?? loginServer;
}
