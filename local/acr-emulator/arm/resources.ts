import type { RegistrySettings, WebhookConfig } from "../model.js";
import type { DeliveryRecord } from "../webhooks/dispatcher.js";
import { armResourceId, type ArmRegistryIdentity } from "./registry-resource.js";

/** The registry resource as ARM's GET returns it (2025-11-01 shape; the SDK flattens `properties`). */
export function registryResource(
  identity: ArmRegistryIdentity,
  loginServer: string,
  settings: RegistrySettings,
): Record<string, unknown> {
  return {
    id: armResourceId(identity),
    name: identity.registryName,
    type: "Microsoft.ContainerRegistry/registries",
    location: identity.location,
    tags: {},
    sku: { name: "Premium", tier: "Premium" },
    properties: {
      loginServer,
      creationDate: "2025-01-01T00:00:00.0000000Z",
      provisioningState: "Succeeded",
      adminUserEnabled: false,
      policies: {
        quarantinePolicy: { status: settings.quarantinePolicy },
        trustPolicy: { type: "Notary", status: "disabled" },
        retentionPolicy: { days: 7, status: "disabled" },
        exportPolicy: { status: "enabled" },
      },
      dataEndpointEnabled: false,
      publicNetworkAccess: "Enabled",
      networkRuleBypassOptions: "AzureServices",
      zoneRedundancy: "Disabled",
      anonymousPullEnabled: false,
    },
  };
}

/** A webhook resource: serviceUri and customHeaders are write-only in ARM and appear only in getCallbackConfig. */
export function webhookResource(identity: ArmRegistryIdentity, webhook: WebhookConfig): Record<string, unknown> {
  return {
    id: `${armResourceId(identity)}/webhooks/${webhook.name}`,
    name: webhook.name,
    type: "Microsoft.ContainerRegistry/registries/webhooks",
    location: identity.location,
    tags: {},
    properties: {
      status: webhook.status,
      scope: webhook.scope,
      actions: webhook.actions,
      provisioningState: "Succeeded",
    },
  };
}

export function callbackConfig(webhook: WebhookConfig): Record<string, unknown> {
  return { serviceUri: webhook.serviceUri, customHeaders: webhook.customHeaders };
}

/**
 * A webhook's event log as listEvents answers it (acr-protocol.md §4.4, S11 WebhookListEvents.json): the request ACR
 * sent (content, headers with custom header values masked, method, requestUri) and the answer (statusCode as a
 * string), newest first. One entry per delivery attempt.
 */
export function webhookEvents(
  deliveries: readonly DeliveryRecord[],
  webhook: WebhookConfig,
): Record<string, unknown>[] {
  const masked = Object.fromEntries(Object.keys(webhook.customHeaders).map((name) => [name, "******"]));
  return [...deliveries].reverse().map((d) => ({
    id: d.eventId,
    eventRequestMessage: {
      content: d.content,
      headers: { "Content-Type": "application/json", ...masked },
      method: "POST",
      requestUri: d.requestUri,
      version: "1.1",
    },
    eventResponseMessage: {
      headers: {},
      ...(d.statusCode !== undefined ? { statusCode: String(d.statusCode) } : { reasonPhrase: d.error ?? "no answer" }),
      version: "1.1",
    },
  }));
}
