import { GateError } from "../../errors/gate-error.js";

/** The parts of a container registry's ARM resource id. */
export interface RegistryResourceId {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  registryName: string;
}

const PATTERN =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerRegistry\/registries\/([^/]+)$/i;

export class ResourceIdError extends GateError {
  static override readonly code = "ERR_RESOURCE_ID";
  override readonly code = "ERR_RESOURCE_ID";
}

/** Splits /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerRegistry/registries/{name}. */
export function parseRegistryResourceId(id: string): RegistryResourceId {
  const m = PATTERN.exec(id.trim());
  if (!m) throw new ResourceIdError(`${JSON.stringify(id.slice(0, 300))} is not a container registry resource id`);
  return { id: id.trim(), subscriptionId: m[1]!, resourceGroup: m[2]!, registryName: m[3]! };
}
