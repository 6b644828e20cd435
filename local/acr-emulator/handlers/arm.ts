import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorContext } from "../context.js";
import { sendJson } from "../../http/respond.js";
import { authorizeManagement } from "../arm/auth.js";
import { armError, sendArmError } from "../arm/errors.js";
import { armRegistryOf, armResourceId, type ArmRegistryIdentity } from "../arm/registry-resource.js";
import { callbackConfig, registryResource, webhookEvents, webhookResource } from "../arm/resources.js";
import { listSubscriptions } from "../arm/subscriptions.js";
import { listResources } from "../arm/resources-list.js";

/** …/registries/{name}[/webhooks[/{webhook}[/getCallbackConfig]]]; ARM matches literal segments case-insensitively. */
const ARM_PATH =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerregistry\/registries\/([^/]+)(?:\/(webhooks)(?:\/([^/]+)(?:\/(getcallbackconfig|listevents))?)?)?$/i;

const READ_REGISTRY = "Microsoft.ContainerRegistry/registries/read";
const READ_WEBHOOKS = "Microsoft.ContainerRegistry/registries/webhooks/read";
const CALLBACK_CONFIG = "Microsoft.ContainerRegistry/registries/webhooks/getCallbackConfig/action";
const LIST_EVENTS = "Microsoft.ContainerRegistry/registries/webhooks/listEvents/action";

function missingApiVersion() {
  return armError(
    400,
    "MissingApiVersionParameter",
    "The api-version query parameter (?api-version=) is required for all requests.",
  );
}

function sameResource(identity: ArmRegistryIdentity, subscription: string, group: string, name: string): boolean {
  return (
    subscription.toLowerCase() === identity.subscriptionId.toLowerCase() &&
    group.toLowerCase() === identity.resourceGroup.toLowerCase() &&
    name.toLowerCase() === identity.registryName.toLowerCase()
  );
}

/**
 * The minimal management plane (ARM) a compliance check needs: the registry resource (quarantine policy, login server,
 * SKU), its webhooks, a webhook's callback configuration and its event log (listEvents); plus the subscription and resource lists `az login` and az's registry lookup read. Served on the emulator's HTTPS port because the Azure SDK
 * refuses bearer tokens over plain HTTP; authenticated with management-audience Entra ID tokens.
 */
export async function handleArm(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  try {
    req.resume();
    const identity = armRegistryOf(ctx);
    if (/^\/subscriptions\/?$/.test(url.pathname)) {
      if (req.method !== "GET") throw armError(405, "MethodNotAllowed", "use GET", { Allow: "GET" });
      if (!url.searchParams.get("api-version")) throw missingApiVersion();
      return await listSubscriptions(ctx, req, res, identity);
    }
    const resources = /^\/subscriptions\/([^/]+)\/resources$/i.exec(url.pathname);
    if (resources) {
      if (req.method !== "GET") throw armError(405, "MethodNotAllowed", "use GET", { Allow: "GET" });
      if (!url.searchParams.get("api-version")) throw missingApiVersion();
      if (resources[1]!.toLowerCase() !== identity.subscriptionId.toLowerCase())
        throw armError(
          404,
          "SubscriptionNotFound",
          `The subscription '${resources[1]!.slice(0, 100)}' could not be found.`,
        );
      return await listResources(ctx, req, res, url, identity);
    }
    const m = ARM_PATH.exec(url.pathname);
    if (!m) throw armError(404, "NotFound", `no ARM operation at ${url.pathname.slice(0, 300)}`);
    const [, subscription, group, name, webhooks, webhookName, callback] = m as unknown as [
      string,
      string,
      string,
      string,
      string?,
      string?,
      string?,
    ];
    if (!url.searchParams.get("api-version")) throw missingApiVersion();
    const method = req.method ?? "GET";
    const expected = callback ? "POST" : "GET";
    if (method !== expected) throw armError(405, "MethodNotAllowed", `use ${expected}`, { Allow: expected });
    const scope = armResourceId(identity);
    const listEvents = callback?.toLowerCase() === "listevents";
    const action = callback ? (listEvents ? LIST_EVENTS : CALLBACK_CONFIG) : webhooks ? READ_WEBHOOKS : READ_REGISTRY;
    await authorizeManagement(ctx, req, callback ? "managementAction" : "managementRead", action, scope);
    if (!sameResource(identity, subscription, group, name)) {
      throw armError(
        404,
        "ResourceNotFound",
        `The Resource 'Microsoft.ContainerRegistry/registries/${name}' under resource group '${group}' was not found.`,
      );
    }
    ctx.faults.apply(method, url.pathname);
    if (!webhooks) {
      ctx.stats.add("arm.registries.get");
      return sendJson(res, 200, registryResource(identity, ctx.loginServer, ctx.store.settings()));
    }
    if (!webhookName) {
      ctx.stats.add("arm.webhooks.list");
      return sendJson(res, 200, { value: ctx.store.allWebhooks().map((w) => webhookResource(identity, w)) });
    }
    const webhook = ctx.store.webhook(webhookName);
    if (!webhook)
      throw armError(
        404,
        "ResourceNotFound",
        `The Resource 'Microsoft.ContainerRegistry/registries/${name}/webhooks/${webhookName}' was not found.`,
      );
    if (listEvents) {
      ctx.stats.add("arm.webhooks.listEvents");
      return sendJson(res, 200, { value: webhookEvents(ctx.webhooks.deliveries(webhook.name), webhook) });
    }
    if (callback) {
      ctx.stats.add("arm.webhooks.getCallbackConfig");
      return sendJson(res, 200, callbackConfig(webhook));
    }
    ctx.stats.add("arm.webhooks.get");
    return sendJson(res, 200, webhookResource(identity, webhook));
  } catch (error) {
    sendArmError(res, error);
  }
}
