import { loginServer, type LoginServer } from "../acr/names.js";
import { DEFAULTS } from "./defaults.js";
import { type Env, Reader } from "./reader.js";

/** The registries the gate serves and how it reaches them; the gate's mode and task hub. */

export interface RegistryConfig {
  /** GATE_REGISTRIES: the only registries the app will talk to. */
  allowedRegistries: LoginServer[];
  /**
   * ACR_TOKEN_AUDIENCE: the Entra ID resource whose token is exchanged at /oauth2/exchange (see registryConfig for the
   * documented values per cloud).
   */
  tokenAudience: string;
  /** AZURE_CLIENT_ID: the user-assigned managed identity; undefined means system-assigned. */
  managedIdentityClientId: string | undefined;
}

export interface GateConfig {
  /** GATE_MODE: enforce sets quarantine state; shadow only evaluates and reports. */
  mode: "enforce" | "shadow";
  /** DURABLE_TASK_HUB */
  taskHub: string;
}

export function registryConfig(env: Env = process.env): RegistryConfig {
  const r = new Reader(env);
  const list = r.required("GATE_REGISTRIES");
  const allowedRegistries: LoginServer[] = [];
  for (const entry of list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    try {
      allowedRegistries.push(loginServer(entry));
    } catch {
      r.problems.push(
        `GATE_REGISTRIES: ${JSON.stringify(entry.slice(0, 100))} is not a login server name (e.g. myregistry.azurecr.io, no scheme or path)`,
      );
    }
  }
  if (list !== "" && allowedRegistries.length === 0 && r.problems.length === 0)
    r.problems.push("GATE_REGISTRIES names no registry");
  // The ACR audience, https://containerregistry.azure.net, is the same in every cloud: azure-cli 2.45 asks for
  // "https://{ACR_AUDIENCE_RESOURCE_NAME}.azure.net" whatever cloud is active (acr/_docker_utils.py, _constants.py:
  // "containerregistry"), and azure-containerregistry (Python) 1.1.0b4 made it the default as the audience "which works
  // for all clouds" (acr-protocol.md §1.8, S8). Where a registry accepts ARM-audience tokens
  // (policies.azureADAuthenticationAsArmPolicy enabled), the cloud's ARM audience also works: Azure Government
  // https://management.usgovcloudapi.net, Azure China https://management.chinacloudapi.cn (KnownContainerRegistryAudience,
  // Azure/azure-sdk-for-js @ b4e71d37: sdk/containerregistry/container-registry/src/models.ts). Documented in
  // docs/registry-client.md.
  const audience = r.required("ACR_TOKEN_AUDIENCE", DEFAULTS.ACR_TOKEN_AUDIENCE);
  r.url("ACR_TOKEN_AUDIENCE", ["https"], audience);
  return r.done({
    allowedRegistries: [...new Set(allowedRegistries)],
    tokenAudience: audience,
    managedIdentityClientId: r.optionalGuid("AZURE_CLIENT_ID"),
  });
}

export function gateConfig(env: Env = process.env): GateConfig {
  const r = new Reader(env);
  const mode = r.oneOf("GATE_MODE", ["enforce", "shadow"] as const, DEFAULTS.GATE_MODE);
  const taskHub = r.matching(
    "DURABLE_TASK_HUB",
    /^[A-Za-z][A-Za-z0-9]{2,44}$/,
    "must be 3-45 letters and digits, starting with a letter",
    DEFAULTS.DURABLE_TASK_HUB,
  );
  return r.done({ mode, taskHub });
}
