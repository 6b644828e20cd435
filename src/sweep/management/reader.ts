import { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import type { TokenCredential } from "@azure/identity";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { parseRegistryResourceId } from "./resource-id.js";
import type { ManagementView, WebhookView } from "./view.js";

export interface ManagementReaderOptions {
  credential: TokenCredential;
  /** ARM_ENDPOINT, e.g. https://management.azure.com */
  endpoint: string;
  /** ARM_AUDIENCE; tokens are asked for `<audience>/.default` whatever the endpoint (a local endpoint is no audience). */
  audience: string;
  /** For counting requests (and tests); the SDK's default Node client otherwise. */
  httpClient?: HttpClient;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === "number" ? status : undefined;
}

/**
 * The webhook's address without its query or user info: ACR webhooks to Functions often carry the function key as
 * `?code=…`, and reports are stored and returned — the host and path are all the checks need.
 */
export function redactServiceUri(uri: string): string {
  try {
    const url = new URL(uri);
    return `${url.protocol}//${url.host}${url.pathname}${url.search ? "?(redacted)" : ""}`;
  } catch {
    return "(not a URL)";
  }
}

function describe(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e.code === "string" ? `${e.code}: ` : "";
  return `${code}${typeof e.message === "string" ? e.message : String(error)}`.slice(0, 500);
}

/**
 * Reads what the compliance checks need from ARM with @azure/arm-containerregistry: the registry (login server, SKU,
 * quarantine policy), its webhooks and, for webhooks with the quarantine action, where they deliver. Never throws: a
 * registry it cannot read is a view in state "unreadable", which the findings turn into a finding.
 */
export class ManagementReader {
  private readonly clients = new Map<string, ContainerRegistryManagementClient>();

  constructor(private readonly options: ManagementReaderOptions) {}

  async read(resourceId: string | undefined): Promise<ManagementView> {
    if (!resourceId) return { state: "not-configured" };
    let id;
    try {
      id = parseRegistryResourceId(resourceId);
    } catch (error) {
      return { state: "unreadable", resourceId, error: describe(error) };
    }
    const client = this.client(id.subscriptionId);
    try {
      const registry = await client.registries.get(id.resourceGroup, id.registryName);
      const webhooks: WebhookView[] = [];
      for await (const webhook of client.webhooks.list(id.resourceGroup, id.registryName)) {
        const name = webhook.name ?? "";
        const actions = (webhook.actions ?? []).map(String);
        webhooks.push({
          name,
          status: webhook.status,
          actions,
          scope: webhook.scope,
          destination:
            actions.includes("quarantine") && name
              ? await this.destination(client, id.resourceGroup, id.registryName, name)
              : { unverified: "not read (no quarantine action)" },
        });
      }
      return {
        state: "read",
        resourceId: id.id,
        loginServer: registry.loginServer,
        sku: registry.sku?.name,
        quarantinePolicy: registry.policies?.quarantinePolicy?.status,
        webhooks,
      };
    } catch (error) {
      return { state: "unreadable", resourceId: id.id, error: describe(error), status: statusOf(error) };
    }
  }

  /** getCallbackConfig is an ARM action: with Reader only it is refused, and the destination stays unverified. */
  private async destination(
    client: ContainerRegistryManagementClient,
    group: string,
    registry: string,
    webhook: string,
  ): Promise<WebhookView["destination"]> {
    try {
      const config = await client.webhooks.getCallbackConfig(group, registry, webhook);
      return { serviceUri: redactServiceUri(config.serviceUri) };
    } catch (error) {
      const status = statusOf(error);
      if (status === 403 || status === 401)
        return {
          unverified: `getCallbackConfig refused (${status}): the identity lacks Microsoft.ContainerRegistry/registries/webhooks/getCallbackConfig/action`,
        };
      throw error;
    }
  }

  private client(subscriptionId: string): ContainerRegistryManagementClient {
    let client = this.clients.get(subscriptionId);
    if (!client) {
      client = new ContainerRegistryManagementClient(this.options.credential, subscriptionId, {
        endpoint: this.options.endpoint,
        credentials: { scopes: [`${this.options.audience}/.default`] },
        retryOptions: { maxRetries: 2 },
        ...(this.options.httpClient ? { httpClient: this.options.httpClient } : {}),
      });
      this.clients.set(subscriptionId, client);
    }
    return client;
  }
}
