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

const ROLE = {
  acrQuarantineReader: "cdda3590-29a3-44f6-95f2-9f980659eb04",
  acrQuarantineWriter: "c8d4ff99-41c3-41a8-9f60-21dfdad59608",
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f4d9ec2e3a5",
  storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  storageTableDataContributor: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  storageQueueDataMessageProcessor: "8a0f0c08-91a1-4084-bc3d-661d67233fed",
  monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
  keyVaultSecretsOfficer: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
};
const PRIVILEGED_ROLES = {
  owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  userAccessAdministrator: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  roleBasedAccessControlAdministrator: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
  acrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
  acrDelete: "c2f4ef07-c644-48eb-af81-4b1b4947fb11",
};
const CONFIG_SETTINGS = [
  "DURABLE_TASK_HUB",
  "GATE_REGISTRIES",
  "GATE_MODE",
  "ACR_TOKEN_AUDIENCE",
  "AZURE_CLIENT_ID",
  "SCANNER_KIND",
  "HARBOR_SCANNER_URL",
  "SCAN_QUEUE_NAME",
  "SCAN_DEADLINE",
  "APPROVAL_DEADLINE",
  "POLICY_DOCUMENT",
  "APPROVER_TENANT_ID",
  "APPROVER_AUDIENCE",
  "SWEEP_SCHEDULE",
  "STALE_AFTER",
  "MAX_QUARANTINE_AGE",
  "SWEEP_READ_BUDGET_PERCENT",
  "AUDIT_TABLE",
  "REPORT_CONTAINER",
  "STATUS_BASE_URL",
];
const SECURE_TYPES = new Set(["securestring", "secureobject"]);

let main: ArmTemplate;
let deployed: Located[];

const ofType = (type: string): Located[] =>
  deployed.filter((l) => l.resource.type.toLowerCase() === type.toLowerCase());
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

  it("sets every app setting src/config.ts reads", () => {
    const settings = propertiesOf(only("Microsoft.Web/sites/config"));
    expect(CONFIG_SETTINGS.filter((name) => !(name in settings))).toEqual([]);
    expect(settings.GATE_MODE).toBe("enforce");
    expect(settings.ACR_TOKEN_AUDIENCE).toBe("https://containerregistry.azure.net");
    expect(settings.SWEEP_SCHEDULE).toBe("0 */30 * * * *");
    expect(settings.SWEEP_READ_BUDGET_PERCENT).toBe("20");
    // REPORT_CONTAINER comes from the storage module, which creates the container; its default name is main's.
    expect(main.parameters?.reportContainer?.defaultValue).toBe("compliance-reports");
    expect(typeof JSON.parse(String(settings.POLICY_DOCUMENT))).toBe("object");
  });
});

describe("compiled infra: roles", () => {
  const registryScoped = (): Located[] =>
    ofType("Microsoft.Authorization/roleAssignments").filter((l) =>
      String(l.resource.scope).includes("Microsoft.ContainerRegistry/registries"),
    );

  it("grants exactly AcrQuarantineReader, AcrQuarantineWriter and Reader at registry scope", () => {
    const roles = registryScoped().map(roleIdOf).sort();
    expect(roles).toEqual([ROLE.acrQuarantineReader, ROLE.acrQuarantineWriter, ROLE.reader].sort());
  });

  it("grants nothing but the intended roles anywhere, and no privileged or push/delete role", () => {
    const all = walk(main, azdParameterValues({ SCAN_WORKER_PRINCIPAL_ID: "00000000-0000-0000-0000-000000000001" }))
      .filter((l) => l.resource.type === "Microsoft.Authorization/roleAssignments" && isDeployed(l))
      .map(roleIdOf);
    expect(new Set(all)).toEqual(new Set(Object.values(ROLE)));
    expect(all.filter((id) => Object.values(PRIVILEGED_ROLES).includes(id))).toEqual([]);
    expect(ofType("Microsoft.Authorization/roleDefinitions")).toEqual([]);
  });

  it("gives the registry roles to the app identity and to nobody else", () => {
    expect(registryScoped()).toHaveLength(3);
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
  const registryWrites = (values: Record<string, ArmValue>): Located[] =>
    walk(main, values).filter(
      (l) => l.resource.type === "Microsoft.ContainerRegistry/registries" && !l.resource.existing && isDeployed(l),
    );

  it("is off by default, both as the template default and as azd passes it", () => {
    expect(main.parameters?.enableQuarantinePolicy).toMatchObject({ type: "bool", defaultValue: false });
    expect(azdParameterValues().enableQuarantinePolicy).toBe("false");
  });

  it("is not written at all with the defaults: the only registry resource deployed is the webhook", () => {
    expect(registryWrites(azdParameterValues())).toEqual([]);
    expect(registryWrites({})).toEqual([]);
    const containerRegistryTypes = deployed
      .map((l) => l.resource.type)
      .filter((t) => t.startsWith("Microsoft.ContainerRegistry/"));
    expect(containerRegistryTypes).toEqual(["Microsoft.ContainerRegistry/registries/webhooks"]);
  });

  it("is enabled, and only that policy changed, when the parameter is set", () => {
    const writes = registryWrites(azdParameterValues({ ENABLE_QUARANTINE_POLICY: "true" }));
    expect(writes).toHaveLength(1);
    const written = writes[0]!;
    const properties = String(written.resource.properties);
    expect(properties).toBe(
      "[union(parameters('properties'), createObject('policies', union(coalesce(tryGet(parameters('properties'), 'policies'), createObject()), createObject('quarantinePolicy', createObject('status', 'enabled')))))]",
    );
    expect(written.resource.sku).toBe("[parameters('sku')]");
    expect(written.resource.identity).toBe("[parameters('identity')]");
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
