/**
 * ACR's built-in roles as capabilities (acr-protocol.md §3.2 and the roles-and-permissions matrix). Where the docs are
 * silent the choice is written down in docs/local-stack.md; the quarantine roles include metadata read because a scanner
 * or a gate that may "pull or get quarantined images" must be able to find them (catalog, manifest list).
 */
export const ROLE_NAMES = [
  "AcrPull",
  "AcrPush",
  "AcrDelete",
  "AcrQuarantineReader",
  "AcrQuarantineWriter",
  "Owner",
  "Reader",
] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

export type Capability =
  | "pull"
  | "push"
  | "delete"
  | "metadataRead"
  | "metadataWrite"
  | "quarantineRead"
  | "quarantineWrite"
  /** ARM reads of the registry resource and its webhooks (Azure's read permissions). */
  | "managementRead"
  /** ARM actions such as webhooks/getCallbackConfig/action, which Reader (read permissions only) does not include. */
  | "managementAction";

const ROLE_CAPABILITIES: Record<RoleName, readonly Capability[]> = {
  AcrPull: ["pull", "metadataRead"],
  AcrPush: ["pull", "push", "metadataRead", "metadataWrite"],
  AcrDelete: ["delete"],
  AcrQuarantineReader: ["pull", "metadataRead", "quarantineRead"],
  AcrQuarantineWriter: ["pull", "metadataRead", "quarantineRead", "quarantineWrite"],
  // Owner manages the registry and reads/writes images, but the docs list no quarantine capability for it.
  Owner: ["pull", "push", "delete", "metadataRead", "metadataWrite", "managementRead", "managementAction"],
  // Azure's built-in Reader on the registry resource: management-plane reads only, no data-plane access.
  Reader: ["managementRead"],
};

export function isRoleName(value: unknown): value is RoleName {
  return typeof value === "string" && (ROLE_NAMES as readonly string[]).includes(value);
}

export function capabilitiesOf(roles: readonly RoleName[]): Set<Capability> {
  return new Set(roles.flatMap((role) => ROLE_CAPABILITIES[role]));
}

/** Which token action a principal may be granted on a repository, given its capabilities. */
export function mayGrantRepositoryAction(action: string, capabilities: Set<Capability>): boolean {
  switch (action) {
    case "pull":
      return capabilities.has("pull");
    case "push":
      // The ACR docs have an AcrQuarantineWriter fetch "a Push access token" (scope pull,push) to change the quarantine
      // state (Azure/acr @ 5d16fc86: docs/preview/quarantine/readme.md). So a quarantine writer is granted push; the
      // registry then lets that grant change quarantine state only, never write an image (handlers/registry.ts).
      return capabilities.has("push") || capabilities.has("quarantineWrite");
    case "delete":
      return capabilities.has("delete");
    case "metadata_read":
      return capabilities.has("metadataRead");
    case "metadata_write":
      return capabilities.has("metadataWrite") || capabilities.has("quarantineWrite");
    default:
      return false;
  }
}

export const REPOSITORY_ACTIONS = ["pull", "push", "delete", "metadata_read", "metadata_write"] as const;
