import type { RoleName } from "./roles.js";
import type { TokenLifetimes } from "./tokens.js";

export interface ManifestReference {
  digest: string;
  architecture?: string;
  os?: string;
}

export interface ChangeableAttributes {
  deleteEnabled: boolean;
  writeEnabled: boolean;
  readEnabled: boolean;
  listEnabled: boolean;
}

/** What the emulator knows about one manifest beyond docker-registry: ACR's attributes and quarantine fields. */
export interface ManifestRecord {
  repository: string;
  digest: string;
  mediaType: string;
  size: number;
  createdTime: string;
  lastUpdateTime: string;
  tags: string[];
  architecture?: string;
  os?: string;
  configMediaType?: string;
  references?: ManifestReference[];
  changeable: ChangeableAttributes;
  /** Absent for manifests pushed while the policy was off; "Quarantined" on push while it is on; then Passed/Failed. */
  quarantineState?: string;
  quarantineDetails?: string;
}

/**
 * A tag's own attributes. Which manifest a tag names lives in ManifestRecord.tags; this record holds what ACR keeps per
 * tag besides: its times and its changeable attributes, "managed separately" from the manifest's
 * (MicrosoftDocs/azure-management-docs: articles/container-registry/container-registry-image-lock.md).
 */
export interface TagRecord {
  repository: string;
  name: string;
  createdTime: string;
  lastUpdateTime: string;
  changeable: ChangeableAttributes;
}

/** A repository's own attributes (ACR's RepositoryAttributes, data-plane spec 2021-07-01); times are derived. */
export interface RepositoryRecord {
  name: string;
  changeable: ChangeableAttributes;
}

export const DEFAULT_CHANGEABLE: ChangeableAttributes = Object.freeze({
  deleteEnabled: true,
  writeEnabled: true,
  readEnabled: true,
  listEnabled: true,
});

export interface Principal {
  /** Entra object id for identities, or the user name of a registry token (username/password). */
  id: string;
  displayName: string;
  roles: RoleName[];
  /** Only for username/password principals (ACR's repository-scoped tokens / admin user). */
  password?: string;
}

export const WEBHOOK_ACTIONS = ["push", "delete", "quarantine", "chart_push", "chart_delete"] as const;
export type WebhookAction = (typeof WEBHOOK_ACTIONS)[number];

export interface WebhookConfig {
  name: string;
  serviceUri: string;
  customHeaders: Record<string, string>;
  actions: WebhookAction[];
  /** ACR's scope filter: "" (all), "repo" (= repo:latest), "repo:tag", "repo:*". */
  scope: string;
  status: "enabled" | "disabled";
}

export interface ThrottleSettings {
  readOpsPerMinute: number;
  writeOpsPerMinute: number;
  /** How many seconds' worth of operations may arrive at once before 429s start. */
  burstSeconds: number;
}

export interface WebhookRetrySettings {
  maxAttempts: number;
  initialDelayMs: number;
  timeoutMs: number;
}

export interface RegistrySettings {
  quarantinePolicy: "enabled" | "disabled";
  throttling: ThrottleSettings | null;
  tokens: TokenLifetimes;
  webhookRetry: WebhookRetrySettings;
}

/** ACR's Premium SKU limits (acr-protocol.md §5.1). */
export const PREMIUM_THROTTLING: ThrottleSettings = {
  readOpsPerMinute: 10_000,
  writeOpsPerMinute: 2_000,
  burstSeconds: 60,
};
