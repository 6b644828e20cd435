/**
 * The notifications' infrastructure (docs/notifications.md), on the ARM JSON the real Bicep CLI compiles from infra/:
 * an Event Grid topic with local auth disabled and the CloudEvents 1.0 input schema, the app identity as EventGrid
 * Data Sender at topic scope only (the role ID from ../shared/reference/azure-role-ids.md), and the sink URLs and
 * secrets only as a Key Vault reference.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate, type ArmValue } from "./arm-expression.js";
import {
  azdParameterValues,
  ensureCompiled,
  isDeployed,
  readCompiled,
  walk,
  type ArmTemplate,
  type Located,
} from "./arm-template.js";
import { readRoleReference } from "./role-reference.js";

let main: ArmTemplate;
let senderRole: string;

beforeAll(() => {
  const id = readRoleReference().get("EventGrid Data Sender");
  if (!id) throw new Error("EventGrid Data Sender is not in ../shared/reference/azure-role-ids.md");
  senderRole = id;
  ensureCompiled();
  main = readCompiled("main.json");
}, 600_000);

const deployedWith = (values: Record<string, ArmValue>): Located[] =>
  walk(main, { ...azdParameterValues(), ...values }).filter(isDeployed);
const propertiesOf = (located: Located): Record<string, ArmValue> =>
  evaluate(located.resource.properties ?? {}, located.scope) as Record<string, ArmValue>;
const appSettingsOf = (deployed: Located[]): Record<string, ArmValue> => {
  const configs = deployed.filter((l) => l.resource.type === "Microsoft.Web/sites/config");
  expect(configs).toHaveLength(1);
  return propertiesOf(configs[0]!);
};
const subscriptions = { version: 1, sinks: { siem: { kind: "eventgrid" } }, subscriptions: [{ sinks: ["siem"] }] };

describe("notifications infrastructure", () => {
  it("deploys no topic and no Event Grid role unless asked for (notifyEventGrid = false by default)", () => {
    const deployed = deployedWith({});
    expect(deployed.filter((l) => l.resource.type === "Microsoft.EventGrid/topics")).toEqual([]);
    const roles = deployed
      .filter((l) => l.resource.type === "Microsoft.Authorization/roleAssignments")
      .map((l) => String(evaluate(l.resource.properties?.roleDefinitionId, l.scope)));
    expect(roles.filter((r) => r.endsWith(senderRole))).toEqual([]);
    expect(appSettingsOf(deployed).NOTIFY_SUBSCRIPTIONS).toBe("");
  });

  describe("with the topic", () => {
    let deployed: Located[];
    beforeAll(() => {
      deployed = deployedWith({
        notifyEventGrid: true,
        notifySubscriptions: subscriptions,
        notifySinkSecretName: "notify-sinks",
      });
    });

    it("the topic takes CloudEvents 1.0 and has local auth (keys, SAS) disabled", () => {
      const topics = deployed.filter((l) => l.resource.type === "Microsoft.EventGrid/topics");
      expect(topics).toHaveLength(1);
      const properties = propertiesOf(topics[0]!);
      expect(properties.disableLocalAuth).toBe(true);
      expect(properties.inputSchema).toBe("CloudEventSchemaV1_0");
    });

    it("grants EventGrid Data Sender to the app identity at the topic's scope, and nowhere else", () => {
      const grants = deployed
        .filter((l) => l.resource.type === "Microsoft.Authorization/roleAssignments")
        .filter((l) => String(evaluate(l.resource.properties?.roleDefinitionId, l.scope)).endsWith(`/${senderRole}`));
      expect(grants).toHaveLength(1);
      const grant = grants[0]!;
      expect(String(grant.resource.scope)).toMatch(/Microsoft\.EventGrid\/topics/);
      expect(grant.path).toMatch(/eventgrid-topic/);
      // The principal is the module's appPrincipalId, which main passes from the app identity.
      expect(grant.resource.properties?.principalId).toBe("[parameters('appPrincipalId')]");
      const passed = (grant.parent!.resource.properties!.parameters as Record<string, { value: string }>)
        .appPrincipalId!.value;
      expect(passed).toMatch(/identity/);
      expect(passed).not.toMatch(/quarantinePolicyIdentity/);
    });

    it("wires the app settings: the document, the topic endpoint, and the sink secrets only as a Key Vault reference", () => {
      const settings = appSettingsOf(deployed);
      expect(JSON.parse(String(settings.NOTIFY_SUBSCRIPTIONS))).toEqual(subscriptions);
      expect(settings.NOTIFY_SINK_SECRETS).toMatch(/^@Microsoft\.KeyVault\(SecretUri=.*secrets\/notify-sinks\/\)$/);
      expect(String(settings.NOTIFY_EVENTGRID_ENDPOINT)).not.toBe("");
      // No NOTIFY_ setting carries a URL with credentials or a webhook secret.
      for (const [name, value] of Object.entries(settings).filter(([n]) => n.startsWith("NOTIFY_")))
        expect(String(value), name).not.toMatch(/whsec_|hooks\.slack\.com|logic\.azure\.com|powerplatform/);
    });

    it("resolves Key Vault references with the app's user-assigned identity", () => {
      const sites = deployed.filter((l) => l.resource.type === "Microsoft.Web/sites");
      expect(sites).toHaveLength(1);
      expect(sites[0]!.resource.properties?.keyVaultReferenceIdentity).toBe("[parameters('identityId')]");
    });

    it("outputs no secret", () => {
      const outputs = JSON.stringify(main.outputs ?? {});
      expect(outputs).not.toMatch(/NOTIFY_SINK_SECRETS|notifySinkSecretName/);
    });
  });
});
