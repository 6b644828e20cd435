import { randomUUID } from "node:crypto";

/** What a delivery needs to know of the stack: where the webhook is, its function key, the registry's login server. */
export interface WebhookTarget {
  devhost: { url: string; keys: { functionKey: string } };
  acr: { loginServer: string };
}

/**
 * One ACR webhook delivery to the app's acrEvents function, as ACR sends it (the function key as the
 * `x-functions-key` custom header): a manifest event for `repository@digest`, quarantine unless said otherwise.
 */
export function deliverWebhook(
  stack: WebhookTarget,
  event: { digest: string; repository: string; tag?: string; action?: string },
): Promise<Response> {
  return fetch(`${stack.devhost.url}/api/acr/events`, webhookDelivery(stack, event));
}

/** The request of deliverWebhook, for callers that send it themselves. */
export function webhookDelivery(
  stack: WebhookTarget,
  event: { digest: string; repository: string; tag?: string; action?: string },
): RequestInit {
  return {
    method: "POST",
    headers: { "Content-Type": "application/json", "x-functions-key": stack.devhost.keys.functionKey },
    body: JSON.stringify({
      id: randomUUID(),
      timestamp: new Date().toISOString(),
      action: event.action ?? "quarantine",
      target: {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: event.digest,
        repository: event.repository,
        tag: event.tag ?? "v1",
      },
      request: { id: randomUUID(), host: stack.acr.loginServer, method: "PUT", useragent: "test" },
    }),
  };
}
