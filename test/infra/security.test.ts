/**
 * Security properties of the deployment, asserted on the ARM JSON the real Bicep CLI compiles from infra/ (no
 * hand-written fixture): no shared keys, identity-based storage, exactly the intended roles at registry scope,
 * the quarantine policy untouched unless asked for, and no secret in any output.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate, isExpression, parametersReadBy, type ArmValue } from "./arm-expression.js";
import {
  azdParameterValues,
  ensureCompiled,
  isDeployed,
  readCompiled,
  walk,
  type ArmResource,
  type ArmTemplate,
  type Located,
} from "./arm-template.js";
import { NOT_YET_IN_REFERENCE, readRoleReference } from "./role-reference.js";

/** The roles this template may grant, by their names in ../shared/reference/azure-role-ids.md (IDs read from there). */
const INTENDED_ROLE_NAMES = [
  "AcrQuarantineReader",
  "AcrQuarantineWriter",
  "Reader",
  "Storage Blob Data Owner",
  "Storage Queue Data Contributor",
  "Storage Table Data Contributor",
  "Storage Queue Data Message Processor",
  "Monitoring Metrics Publisher",
  "Key Vault Secrets Officer",
  "Key Vault Crypto User",
  // Attestations are on by default: the push of the gate's referrers (test/infra/attestation-push-role.test.ts).
  "AcrPush",
] as const;
let ROLE: Record<string, string>;
const SECURE_TYPES = new Set(["securestring", "secureobject"]);

let main: ArmTemplate;
let deployed: Located[];

const ofType = (type: string): Located[] =>
  deployed.filter((l) => l.resource.type.toLowerCase() === type.toLowerCase());
/**
 * Leaves out the scanner's own resources (infra/modules/scanner-*.bicep: its Basic registry, job and their roles),
 * which test/scanner-worker/infra.test.ts checks; these tests are about the gate and the gated registry.
 */
const gateOnly = (located: Located[]): Located[] => located.filter((l) => !l.path.startsWith("main/scanner"));
const only = (type: string): Located => {
  const found = ofType(type);
  expect(found, `exactly one ${type}`).toHaveLength(1);
  return found[0]!;
};
const propertiesOf = (located: Located): Record<string, ArmValue> =>
  evaluate(located.resource.properties ?? {}, located.scope) as Record<string, ArmValue>;
const roleIdOf = (located: Located): string =>
  String(evaluate(located.resource.properties?.roleDefinitionId, located.scope)).split("/").pop()!;

/** Follows "[parameters('x')]" up through the modules to the top-level parameter it comes from. */
function rootParameter(located: Located | undefined, value: unknown): string | undefined {
  const read = parametersReadBy(value);
  if (read.length !== 1 || value !== `[parameters('${read[0]}')]`) return undefined;
  if (!located) return read[0];
  const passed = (located.resource.properties?.parameters ?? {}) as Record<string, { value?: unknown }>;
  return rootParameter(located.parent, passed[read[0]!]?.value);
}
/** Parameters read by a resource itself, not by the template of a module it deploys. */
function readsAtItsLevel(resource: ArmResource): string[] {
  const { properties, ...rest } = resource;
  const { template: _nested, ...ownProperties } = properties ?? {};
  return parametersReadBy({ ...rest, properties: ownProperties });
}

beforeAll(() => {
  const reference = readRoleReference();
  ROLE = Object.fromEntries(
    [...INTENDED_ROLE_NAMES, "AcrDelete", "Durable Task Data Contributor"].map((name) => {
      const id = reference.get(name);
      if (!id) throw new Error(`${name} is not in ../shared/reference/azure-role-ids.md`);
      return [name, id];
    }),
  );
  ensureCompiled();
  main = readCompiled("main.json");
  deployed = walk(main, azdParameterValues()).filter((l) => !l.resource.existing && isDeployed(l));
}, 600_000);

describe("compiled infra: storage without keys", () => {
  it("every storage account refuses shared keys and public blobs, and defaults to Entra ID", () => {
    const accounts = ofType("Microsoft.Storage/storageAccounts");
    expect(accounts.length).toBeGreaterThan(0);
    for (const account of accounts) {
      const properties = propertiesOf(account);
      expect(properties.allowSharedKeyAccess).toBe(false);
      expect(properties.allowBlobPublicAccess).toBe(false);
      expect(properties.defaultToOAuthAuthentication).toBe(true);
      expect(properties.minimumTlsVersion).toBe("TLS1_2");
    }
  });

  it("no template anywhere calls a list* function (listKeys, listAccountSas, listCredentials, …)", () => {
    const expressions: string[] = [];
    const collect = (value: unknown): void => {
      if (isExpression(value)) expressions.push(value);
      else if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === "object") Object.values(value).forEach(collect);
    };
    collect(main);
    expect(expressions.length).toBeGreaterThan(50);
    expect(expressions.filter((e) => /\blist[A-Za-z]*\(/i.test(e))).toEqual([]);
  });

  it("the app reaches storage by its user-assigned identity, and no setting carries a key", () => {
    const site = only("Microsoft.Web/sites");
    expect(site.resource.identity).toMatchObject({ type: "UserAssigned" });
    const settings = propertiesOf(only("Microsoft.Web/sites/config"));
    expect(settings.AzureWebJobsStorage__credential).toBe("managedidentity");
    expect(settings.AzureWebJobsStorage__accountName).toBeTruthy();
    expect(settings).not.toHaveProperty("AzureWebJobsStorage");
    expect(settings).not.toHaveProperty("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING");
    const settingsTemplate = only("Microsoft.Web/sites/config").resource.properties!;
    expect(settingsTemplate.AzureWebJobsStorage__clientId).toBe(settingsTemplate.AZURE_CLIENT_ID);
    for (const [name, value] of Object.entries(settings)) {
      expect(String(value), name).not.toMatch(/AccountKey=|SharedAccessSignature=|sig=/i);
    }
    const deployment = (
      propertiesOf(site).functionAppConfig as Record<string, Record<string, Record<string, ArmValue>>>
    ).deployment!.storage!;
    expect(deployment.authentication).toMatchObject({ type: "UserAssignedIdentity" });
  });

  it("Application Insights and Log Analytics accept Entra ID only; the app authenticates to them by identity", () => {
    expect(propertiesOf(only("Microsoft.Insights/components")).DisableLocalAuth).toBe(true);
    expect(propertiesOf(only("Microsoft.OperationalInsights/workspaces")).features).toMatchObject({
      disableLocalAuth: true,
    });
    expect(String(propertiesOf(only("Microsoft.Web/sites/config")).APPLICATIONINSIGHTS_AUTHENTICATION_STRING)).toMatch(
      /^ClientId=.+;Authorization=AAD$/,
    );
  });

  it("publishing with a user name and password is switched off", () => {
    const policy = only("Microsoft.Web/sites/basicPublishingCredentialsPolicies");
    expect(propertiesOf(policy).allow).toBe(false);
  });

  it("sets the gate's settings to the template defaults (the full name check is test/infra/settings.test.ts)", () => {
    const settings = propertiesOf(only("Microsoft.Web/sites/config"));
    expect(settings.GATE_MODE).toBe("enforce");
    expect(settings.ACR_TOKEN_AUDIENCE).toBe("https://containerregistry.azure.net");
    expect(settings.SWEEP_SCHEDULE).toBe("0 */30 * * * *");
    expect(settings.SWEEP_READ_BUDGET_PERCENT).toBe("20");
    // REPORT_CONTAINER comes from the storage module, which creates the container; its default name is main's.
    expect(main.parameters?.reportContainer?.defaultValue).toBe("compliance-reports");
    expect(typeof JSON.parse(String(settings.POLICY_DOCUMENT))).toBe("object");
  });

  it("host storage and the app's storage clients get the account's own service URIs, not a guessed DNS suffix", () => {
    const settings = only("Microsoft.Web/sites/config").resource.properties!;
    const text = JSON.stringify(settings);
    for (const service of ["blob", "queue", "table"]) {
      expect(text).toContain(`'AzureWebJobsStorage__${service}ServiceUri', parameters('storageEndpoints').${service}`);
    }
    const storage = ofType("Microsoft.Resources/deployments").find((l) => l.resource.name === "storage")!;
    const endpoints = (storage.resource.properties!.template as ArmTemplate).outputs!.endpoints!.value;
    expect(JSON.stringify(endpoints)).toMatch(
      /primaryEndpoints\.blob.*primaryEndpoints\.queue.*primaryEndpoints\.table/,
    );
    // No public-cloud endpoint written into the template (the ARM JSON schema URLs aside).
    const hardCoded = JSON.stringify(main).match(/core\.windows\.net|management\.azure\.com\/(?!schemas\/)/g);
    expect(hardCoded).toBeNull();
  });

  it("the management plane follows the cloud the template is deployed to (environment())", () => {
    const settings = only("Microsoft.Web/sites/config");
    const passed = settings.parent!.resource.properties!.parameters as Record<string, { value: string }>;
    expect(passed.armEndpoint!.value).toBe("[environment().resourceManager]");
    const text = JSON.stringify(settings.resource.properties);
    expect(text).toContain("'ARM_ENDPOINT', parameters('armEndpoint')");
    expect(text).toContain("'ARM_AUDIENCE', parameters('armEndpoint')");
  });
});

describe("compiled infra: roles", () => {
  const registryScoped = (): Located[] =>
    gateOnly(ofType("Microsoft.Authorization/roleAssignments")).filter((l) =>
      String(l.resource.scope).includes("Microsoft.ContainerRegistry/registries"),
    );

  it("grants exactly AcrQuarantineReader, AcrQuarantineWriter, Reader and AcrPush (referrers, the lock) at registry scope", () => {
    const roles = registryScoped().map(roleIdOf).sort();
    expect(roles).toEqual([ROLE.AcrQuarantineReader, ROLE.AcrQuarantineWriter, ROLE.Reader, ROLE.AcrPush].sort());
  });

  it("grants nothing but the intended roles anywhere, no delete role, and push only at the registry", () => {
    const all = gateOnly(
      walk(main, azdParameterValues({ SCAN_WORKER_PRINCIPAL_ID: "00000000-0000-0000-0000-000000000001" })),
    )
      .filter((l) => l.resource.type === "Microsoft.Authorization/roleAssignments" && isDeployed(l))
      .map(roleIdOf);
    expect(new Set(all)).toEqual(new Set(INTENDED_ROLE_NAMES.map((name) => ROLE[name])));
    expect(all.filter((id) => id === ROLE.AcrDelete)).toEqual([]);
    expect(all.filter((id) => id === ROLE.AcrPush)).toHaveLength(1);
    expect(registryScoped().filter((l) => roleIdOf(l) === ROLE.AcrPush)).toHaveLength(1);
    expect(ofType("Microsoft.Authorization/roleDefinitions")).toEqual([]);
  });

  it("the optional parts add exactly one role each, to the right principal", () => {
    const extra = (environment: Record<string, string>) =>
      gateOnly(walk(main, azdParameterValues(environment)))
        .filter((l) => l.resource.type === "Microsoft.Authorization/roleAssignments" && isDeployed(l))
        .filter((l) => !INTENDED_ROLE_NAMES.map((name) => ROLE[name]).includes(roleIdOf(l)));
    const dts = extra({ DURABLE_BACKEND: "durableTaskScheduler" });
    expect(dts.map(roleIdOf)).toEqual([ROLE["Durable Task Data Contributor"]]);
    expect(String(dts[0]!.resource.scope)).toContain("Microsoft.DurableTask/schedulers/taskHubs");
    const policy = extra({ ENABLE_QUARANTINE_POLICY: "true" });
    expect(policy.map(roleIdOf)).toEqual([
      NOT_YET_IN_REFERENCE.get("Container Registry Contributor and Data Access Configuration Administrator")!.id,
    ]);
    // The policy role goes to the deployment script's own identity, never to the app identity.
    const passed = (policy[0]!.parent!.resource.properties!.parameters as Record<string, { value: string }>)
      .scriptPrincipalId!.value;
    expect(passed).toContain("'quarantine-policy-identity'");
    expect(passed).not.toMatch(/'identity'\)/);
  });

  it("gives the registry roles to the app identity and to nobody else", () => {
    expect(registryScoped()).toHaveLength(4);
    for (const assignment of registryScoped()) {
      const passed = (assignment.parent!.resource.properties!.parameters as Record<string, { value: string }>)
        .appPrincipalId!.value;
      expect(assignment.resource.properties?.principalId).toBe("[parameters('appPrincipalId')]");
      expect(passed).toContain("'identity'");
      expect(passed).toContain("outputs.principalId.value");
    }
  });
});

describe("compiled infra: the registry's quarantine policy", () => {
  const deployedWith = (values: Record<string, ArmValue>): Located[] => gateOnly(walk(main, values).filter(isDeployed));
  /** Resources that write the registry itself (not its children, not an `existing` reference). */
  const registryWrites = (values: Record<string, ArmValue>): Located[] =>
    deployedWith(values).filter(
      (l) => l.resource.type.toLowerCase() === "microsoft.containerregistry/registries" && !l.resource.existing,
    );
  const policyScripts = (values: Record<string, ArmValue>): Located[] =>
    deployedWith(values).filter((l) => l.resource.type === "Microsoft.Resources/deploymentScripts");

  it("is off by default, both as the template default and as azd passes it", () => {
    expect(main.parameters?.enableQuarantinePolicy).toMatchObject({ type: "bool", defaultValue: false });
    expect(azdParameterValues().enableQuarantinePolicy).toBe("false");
  });

  it("is not written at all with the defaults: the only registry resource deployed is the webhook", () => {
    expect(registryWrites(azdParameterValues())).toEqual([]);
    expect(registryWrites({})).toEqual([]);
    expect(policyScripts(azdParameterValues())).toEqual([]);
    const containerRegistryTypes = gateOnly(deployed)
      .map((l) => l.resource.type)
      .filter((t) => t.startsWith("Microsoft.ContainerRegistry/"));
    expect(containerRegistryTypes).toEqual(["Microsoft.ContainerRegistry/registries/webhooks"]);
  });

  it("when enabled, no template resource writes the registry: a resource declaration would PUT the whole body", () => {
    const values = azdParameterValues({ ENABLE_QUARANTINE_POLICY: "true" });
    expect(registryWrites(values)).toEqual([]);
    const registryTypes = deployedWith(values)
      .filter((l) => !l.resource.existing)
      .map((l) => l.resource.type)
      .filter((t) => t.startsWith("Microsoft.ContainerRegistry/"));
    expect(registryTypes).toEqual(["Microsoft.ContainerRegistry/registries/webhooks"]);
  });

  it("when enabled, one deployment script sends one ARM PATCH whose body is quarantinePolicy and nothing else", () => {
    const scripts = policyScripts(azdParameterValues({ ENABLE_QUARANTINE_POLICY: "true" }));
    expect(scripts).toHaveLength(1);
    const script = scripts[0]!;
    const properties = propertiesOf(script);
    expect(script.resource.kind).toBe("AzureCLI");
    const environment = Object.fromEntries(
      (properties.environmentVariables as Array<{ name: string; value: ArmValue }>).map((v) => [v.name, v.value]),
    );
    expect(Object.keys(environment).sort()).toEqual(["API_VERSION", "ARM_ENDPOINT", "REGISTRY_ID"]);
    // The registry id and the cloud's ARM endpoint come from the deployment, not from a literal.
    const passed = script.parent!.resource.properties!.parameters as Record<string, { value: string }>;
    expect(passed.registryId!.value).toMatch(/Microsoft\.ContainerRegistry\/registries/);
    expect(passed.armEndpoint!.value).toBe("[environment().resourceManager]");

    // The script without its comments: what it runs.
    const content = String(properties.scriptContent)
      .split("\n")
      .filter((line) => !/^\s*#/.test(line))
      .join("\n");
    // Every az call in the script: `az rest` only, exactly one write (a PATCH), and only GETs besides.
    const calls = [...content.matchAll(/\baz\s+(\S+)(?:\s+--method\s+(\S+))?/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(new Set(calls)).toEqual(new Set(["rest get", "rest patch"]));
    expect(calls.filter((call) => call === "rest patch")).toHaveLength(1);
    expect(content).not.toMatch(/az\s+(resource|acr)\s+update|--method\s+(put|post|delete)\b/i);
    const body = /patch_body='([^']*)'/.exec(content)?.[1];
    expect(JSON.parse(body!)).toEqual({ properties: { policies: { quarantinePolicy: { status: "enabled" } } } });
    expect(content).toMatch(/--method patch --url "\$url"[^\n]*--body "\$patch_body"/);
    expect(content).toContain('url="${ARM_ENDPOINT%/}${REGISTRY_ID}?api-version=${API_VERSION}"');
  });

  it("runs only after the gate's roles and webhook exist, and as an identity that holds only the policy role", () => {
    const values = azdParameterValues({ ENABLE_QUARANTINE_POLICY: "true" });
    const module = deployedWith(values).find(
      (l) => l.resource.type === "Microsoft.Resources/deployments" && l.resource.name === "quarantine-policy",
    )!;
    const dependsOn = JSON.stringify(module.resource.dependsOn);
    expect(dependsOn).toContain("registry-access-");
    expect(dependsOn).toContain("quarantine-policy-role-");
    const script = policyScripts(values)[0]!;
    const identities = Object.keys(
      (evaluate(script.resource.identity, script.scope) as { userAssignedIdentities: Record<string, unknown> })
        .userAssignedIdentities,
    );
    expect(identities).toHaveLength(1);
    const scriptIdentityParameter = (module.resource.properties!.parameters as Record<string, { value: string }>)
      .scriptIdentityId!.value;
    expect(scriptIdentityParameter).toContain("'quarantine-policy-identity'");
  });
});

describe("compiled infra: the webhook and its key", () => {
  it("sends quarantine, push and delete events to the acrEvents route, for the configured scope", () => {
    const webhook = only("Microsoft.ContainerRegistry/registries/webhooks");
    const properties = propertiesOf(webhook);
    expect([...(properties.actions as string[])].sort()).toEqual(["delete", "push", "quarantine"]);
    expect(properties.status).toBe("enabled");
    expect(rootParameter(webhook.parent, webhook.resource.properties?.scope)).toBe("webhookScope");
    expect(String(properties.serviceUri)).toMatch(/^https:\/\/<runtime:reference>\/api\/acr\/events$/);
  });

  it("carries the function key from a secure parameter that is written only to Key Vault and the webhook header", () => {
    expect(main.parameters?.webhookKey?.type).toBe("securestring");
    expect(azdParameterValues()).not.toHaveProperty("webhookKey");
    const webhook = only("Microsoft.ContainerRegistry/registries/webhooks");
    const headers = webhook.resource.properties?.customHeaders as Record<string, unknown>;
    expect(Object.keys(headers)).toEqual(["x-functions-key"]);
    expect(rootParameter(webhook.parent, headers["x-functions-key"])).toBe("webhookKey");

    const secret = only("Microsoft.KeyVault/vaults/secrets");
    expect(String(evaluate(secret.resource.name, secret.scope))).toMatch(/\/function--acrEvents--acrWebhook$/);
    expect(rootParameter(secret.parent, secret.resource.properties?.value)).toBe("webhookKey");

    const users = walk(main).filter((l) => l.template === main && readsAtItsLevel(l.resource).includes("webhookKey"));
    expect(users.map((l) => l.resource.name).sort()).toEqual([
      "[format('registry-access-{0}', variables('resourceToken'))]",
      "key-vault",
    ]);
  });

  it("makes the host read its keys from that vault", () => {
    const settings = propertiesOf(only("Microsoft.Web/sites/config"));
    expect(settings.AzureWebJobsSecretStorageType).toBe("keyvault");
    const settingsTemplate = only("Microsoft.Web/sites/config").resource.properties!;
    expect(settingsTemplate.AzureWebJobsSecretStorageKeyVaultClientId).toBe(settingsTemplate.AZURE_CLIENT_ID);
    expect(propertiesOf(only("Microsoft.KeyVault/vaults")).enableRbacAuthorization).toBe(true);
  });
});

describe("compiled infra: no secrets leave the deployment", () => {
  const templates = (): Array<{ template: ArmTemplate; where: string }> => [
    { template: main, where: "main" },
    ...walk(main)
      .filter((l) => l.resource.type === "Microsoft.Resources/deployments")
      .map((l) => ({
        template: l.resource.properties!.template as ArmTemplate,
        where: l.path + "/" + String(l.resource.name),
      })),
  ];

  it("no output of any template is secure, reads a secure parameter, or reads a key or connection string", () => {
    let outputs = 0;
    for (const { template, where } of templates()) {
      const secure = Object.entries(template.parameters ?? {})
        .filter(([, p]) => SECURE_TYPES.has(p.type.toLowerCase()))
        .map(([n]) => n);
      for (const [name, output] of Object.entries(template.outputs ?? {})) {
        outputs++;
        expect(SECURE_TYPES.has(output.type.toLowerCase()), `${where} output ${name}`).toBe(false);
        expect(
          parametersReadBy(output.value).filter((p) => secure.includes(p)),
          `${where} output ${name}`,
        ).toEqual([]);
        expect(JSON.stringify(output.value), `${where} output ${name}`).not.toMatch(
          /ConnectionString|InstrumentationKey|primaryKey|secondaryKey|\blist[A-Za-z]*\(/i,
        );
      }
    }
    expect(outputs).toBeGreaterThan(10);
  });

  it("a secure value handed to a module lands in a secure parameter there, so deployment history never shows it", () => {
    let handed = 0;
    for (const module of walk(main).filter((l) => l.resource.type === "Microsoft.Resources/deployments")) {
      const parentParameters = module.template.parameters ?? {};
      const childParameters = (module.resource.properties!.template as ArmTemplate).parameters ?? {};
      const passed = (module.resource.properties!.parameters ?? {}) as Record<string, { value: unknown }>;
      for (const [name, entry] of Object.entries(passed)) {
        const readsSecure = parametersReadBy(entry.value).some((p) =>
          SECURE_TYPES.has(parentParameters[p]?.type.toLowerCase() ?? ""),
        );
        if (!readsSecure) continue;
        handed++;
        expect(childParameters[name]?.type.toLowerCase(), `${module.path}: ${name}`).toBe("securestring");
      }
    }
    expect(handed).toBeGreaterThanOrEqual(2);
  });

  it("names in outputs are names: the Key Vault secret output evaluates to the secret's name", () => {
    const secret = only("Microsoft.KeyVault/vaults/secrets");
    const output = secret.template.outputs!.webhookKeySecretName!.value;
    expect(evaluate(output, secret.scope)).toBe("function--acrEvents--acrWebhook");
    expect(main.outputs!.ACR_WEBHOOK_KEY_SECRET_NAME!.type).toBe("string");
  });
});

describe("the policy the template deploys by default", () => {
  it("is a policy document the app accepts (parsePolicy), failing closed at High", async () => {
    const { parsePolicy } = await import("../../src/policy/index.js");
    const { readFileSync } = await import("node:fs");
    const policy = parsePolicy(readFileSync(new URL("../../infra/policy.default.json", import.meta.url), "utf8"));
    expect(policy.defaultRule?.blockAt).toBe("High");
  });
});
