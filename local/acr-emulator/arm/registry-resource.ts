import type { EmulatorContext } from "../context.js";

/** Where the emulated registry lives in ARM: the parts of its resource id, and its region. */
export interface ArmRegistryIdentity {
  subscriptionId: string;
  resourceGroup: string;
  registryName: string;
  location: string;
}

export const DEFAULT_ARM_REGISTRY: ArmRegistryIdentity = {
  subscriptionId: "11111111-1111-4111-8111-111111111111",
  resourceGroup: "rg-quarantine-gate-local",
  registryName: "localacr",
  location: "westeurope",
};

export function armResourceId(identity: ArmRegistryIdentity): string {
  return `/subscriptions/${identity.subscriptionId}/resourceGroups/${identity.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${identity.registryName}`;
}

// The context type belongs to the whole emulator; the ARM identity is only the management surface's concern, so it is
// kept beside the context rather than in it.
const identities = new WeakMap<EmulatorContext, ArmRegistryIdentity>();

export function registerArmRegistry(
  ctx: EmulatorContext,
  identity: Partial<ArmRegistryIdentity> = {},
): ArmRegistryIdentity {
  const resolved = { ...DEFAULT_ARM_REGISTRY, ...identity };
  identities.set(ctx, resolved);
  return resolved;
}

export function armRegistryOf(ctx: EmulatorContext): ArmRegistryIdentity {
  return identities.get(ctx) ?? DEFAULT_ARM_REGISTRY;
}
