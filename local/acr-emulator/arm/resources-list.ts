import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorContext } from "../context.js";
import { sendJson } from "../../http/respond.js";
import { capabilitiesOf } from "../roles.js";
import { authenticateManagement } from "./auth.js";
import { armError } from "./errors.js";
import { armResourceId, type ArmRegistryIdentity } from "./registry-resource.js";

const REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries";

/**
 * GET /subscriptions/{id}/resources — Resources - List (Azure/azure-rest-api-specs @ 7ab3f07d:
 * specification/resources/resource-manager/Microsoft.Resources/stable/2021-04-01/resources.json, a list of
 * GenericResourceExpanded). azure-cli finds a registry's resource group this way
 * (`$filter=resourceType eq 'Microsoft.ContainerRegistry/registries'`, acr/_utils.py _arm_get_resource_by_name).
 * Only that filter, or none, is understood; the one resource is listed to callers who may read it.
 */
export async function listResources(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  identity: ArmRegistryIdentity,
): Promise<void> {
  const caller = await authenticateManagement(ctx, req);
  const filter = url.searchParams.get("$filter");
  const m = filter === null ? null : /^\s*resourceType\s+eq\s+'([^']+)'\s*$/i.exec(filter);
  if (filter !== null && !m)
    throw armError(400, "InvalidFilterInQueryString", `this emulator understands only $filter=resourceType eq '…'`);
  ctx.stats.add("arm.resources.list");
  const principal = ctx.store.principal(caller.objectId);
  const readable = principal !== undefined && capabilitiesOf(principal.roles).has("managementRead");
  const typeMatches = !m || m[1]!.toLowerCase() === REGISTRY_TYPE.toLowerCase();
  sendJson(res, 200, {
    value:
      readable && typeMatches
        ? [
            {
              id: armResourceId(identity),
              name: identity.registryName,
              type: REGISTRY_TYPE,
              location: identity.location,
              sku: { name: "Premium", tier: "Premium" },
              tags: {},
            },
          ]
        : [],
  });
}
