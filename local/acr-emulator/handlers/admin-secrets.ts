import { HttpError } from "../../http/errors.js";
import type { DeliveryRecord } from "../webhooks/dispatcher.js";
import type { Principal, WebhookConfig } from "../model.js";

/** What stands in for a secret value, as ARM's listEvents masks custom header values. */
export const MASK = "******";

/**
 * Whether an admin read asked for secrets explicitly: `?includeSecrets=true`. Absent or `false` → no; anything else is
 * a typo worth a 400 rather than a silent "no" (or, worse, a silent "yes").
 */
export function includeSecrets(url: URL): boolean {
  const values = url.searchParams.getAll("includeSecrets");
  if (values.length === 0) return false;
  if (values.length === 1 && (values[0] === "true" || values[0] === "false")) return values[0] === "true";
  throw new HttpError(400, "QUERY_INVALID", "includeSecrets must be true or false (given once)");
}

/** A URI with its query values and user info masked: webhook URIs may carry a key (`?code=` of a Functions endpoint). */
export function maskQuery(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return MASK;
  }
  if (!url.search && !url.username && !url.password) return uri;
  if (url.username) url.username = MASK;
  if (url.password) url.password = MASK;
  url.search = [...new Set(url.searchParams.keys())].map((name) => `${encodeURIComponent(name)}=${MASK}`).join("&");
  return url.toString();
}

/** A webhook as the admin API shows it: custom header values (the app's function key) and URI secrets masked. */
export function webhookView(webhook: WebhookConfig, secrets: boolean): WebhookConfig {
  if (secrets) return webhook;
  return {
    ...webhook,
    serviceUri: maskQuery(webhook.serviceUri),
    customHeaders: Object.fromEntries(Object.keys(webhook.customHeaders).map((name) => [name, MASK])),
  };
}

/** A principal as the admin API shows it: a password is masked (its presence still shows). */
export function principalView(principal: Principal, secrets: boolean): Principal {
  if (secrets || principal.password === undefined) return principal;
  return { ...principal, password: MASK };
}

/** A delivery as the admin API shows it: the request URI's secrets masked (the payload itself holds none). */
export function deliveryView(delivery: DeliveryRecord, secrets: boolean): DeliveryRecord {
  return secrets ? delivery : { ...delivery, requestUri: maskQuery(delivery.requestUri) };
}
