import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorContext } from "../context.js";
import { sendJson } from "../../http/respond.js";
import { authenticateManagement } from "./auth.js";
import type { ArmRegistryIdentity } from "./registry-resource.js";

/**
 * GET /subscriptions — what `az login` (and SubscriptionClient) asks right after getting a token, to learn the
 * caller's subscriptions. The shape is Subscriptions - List, api-version 2022-12-01 (Azure/azure-rest-api-specs @
 * 2e174206: specification/resources/resource-manager/Microsoft.Resources/stable/2022-12-01/examples/GetSubscriptions.json).
 * The emulated registry's subscription is listed for any identity that holds a role on the registry, as Azure lists a
 * subscription to whoever has a role assignment inside it; the tenant is the caller's token tenant.
 */
export async function listSubscriptions(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  identity: ArmRegistryIdentity,
): Promise<void> {
  const caller = await authenticateManagement(ctx, req);
  ctx.stats.add("arm.subscriptions.list");
  const visible = ctx.store.principal(caller.objectId) !== undefined;
  sendJson(res, 200, {
    value: visible
      ? [
          {
            id: `/subscriptions/${identity.subscriptionId}`,
            subscriptionId: identity.subscriptionId,
            tenantId: caller.tenantId,
            displayName: "ACR emulator",
            state: "Enabled",
            subscriptionPolicies: {
              locationPlacementId: "Public_2014-09-01",
              quotaId: "Internal_2014-09-01",
              spendingLimit: "Off",
            },
            authorizationSource: "RoleBased",
            managedByTenants: [],
            tags: {},
          },
        ]
      : [],
  });
}
