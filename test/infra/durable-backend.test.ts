/**
 * The Durable Functions backend switch (durableBackend): Azure Storage stays the default; durableTaskScheduler deploys
 * the scheduler and task hub, grants Durable Task Data Contributor on the task hub to the app identity, and points the
 * host at it through host.json overrides in app settings.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
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
import { projectRoot } from "../support/paths.js";

let main: ArmTemplate;
const deployed = (environment: Record<string, string>): Located[] =>
  walk(main, azdParameterValues(environment)).filter((l) => !l.resource.existing && isDeployed(l));
const settingsOf = (
  environment: Record<string, string>,
): { raw: Record<string, unknown>; values: Record<string, ArmValue> } => {
  const config = deployed(environment).find((l) => l.resource.type === "Microsoft.Web/sites/config")!;
  return {
    raw: config.resource.properties ?? {},
    values: evaluate(config.resource.properties ?? {}, config.scope) as Record<string, ArmValue>,
  };
};
const DTS = { DURABLE_BACKEND: "durableTaskScheduler" };
const OVERRIDE = "AzureFunctionsJobHost__extensions__durableTask__storageProvider__";

beforeAll(() => {
  ensureCompiled();
  main = readCompiled("main.json");
}, 600_000);

describe("Durable Functions backend: Azure Storage by default", () => {
  it("is the template default and what azd passes when DURABLE_BACKEND is unset", () => {
    expect(main.parameters?.durableBackend).toMatchObject({ defaultValue: "azureStorage" });
    expect(azdParameterValues().durableBackend).toBe("azureStorage");
  });

  it("deploys no scheduler and sets no storage provider override; host.json names no provider either", () => {
    expect(deployed({}).filter((l) => l.resource.type.startsWith("Microsoft.DurableTask/"))).toEqual([]);
    const { values } = settingsOf({});
    expect(Object.keys(values).filter((name) => name.startsWith("AzureFunctionsJobHost__"))).toEqual([]);
    expect(values).not.toHaveProperty("DURABLE_TASK_SCHEDULER_CONNECTION_STRING");
    expect(values.DURABLE_TASK_HUB).toBe("QuarantineGate");
    const hostJson = JSON.parse(readFileSync(join(projectRoot, "host.json"), "utf8"));
    expect(hostJson.extensions.durableTask.hubName).toBe("%DURABLE_TASK_HUB%");
    expect(hostJson.extensions.durableTask.storageProvider).toBeUndefined();
  });
});

describe("Durable Functions backend: Durable Task Scheduler", () => {
  it("deploys one scheduler (SKU from the parameter, reachable, Entra ID only) and one task hub named like DURABLE_TASK_HUB", () => {
    for (const sku of ["Consumption", "Dedicated"]) {
      const resources = deployed({ ...DTS, DURABLE_TASK_SCHEDULER_SKU: sku });
      const schedulers = resources.filter((l) => l.resource.type === "Microsoft.DurableTask/schedulers");
      const hubs = resources.filter((l) => l.resource.type === "Microsoft.DurableTask/schedulers/taskHubs");
      expect(schedulers).toHaveLength(1);
      expect(hubs).toHaveLength(1);
      const properties = evaluate(schedulers[0]!.resource.properties, schedulers[0]!.scope) as Record<string, ArmValue>;
      expect(properties.sku).toEqual({ name: sku });
      // An empty allow list denies every caller; access control is the role assignment below.
      expect(properties.ipAllowlist).toEqual(["0.0.0.0/0"]);
      expect(String(evaluate(hubs[0]!.resource.name, hubs[0]!.scope))).toMatch(/\/QuarantineGate$/);
      expect(schedulers[0]!.resource.apiVersion).toBe("2025-11-01");
    }
  });

  it("grants Durable Task Data Contributor (the reference's GUID) to the app identity on the task hub only", () => {
    const reference = readRoleReference();
    const roles = deployed(DTS).filter(
      (l) =>
        l.resource.type === "Microsoft.Authorization/roleAssignments" &&
        String(l.resource.scope).includes("Microsoft.DurableTask"),
    );
    expect(roles).toHaveLength(1);
    const role = roles[0]!;
    expect(String(evaluate(role.resource.properties?.roleDefinitionId, role.scope)).split("/").pop()).toBe(
      reference.get("Durable Task Data Contributor"),
    );
    expect(String(role.resource.scope)).toContain("Microsoft.DurableTask/schedulers/taskHubs");
    const passed = (role.parent!.resource.properties!.parameters as Record<string, { value: string }>).appPrincipalId!
      .value;
    expect(passed).toContain("'identity'");
  });

  it("points the host at the scheduler through host.json overrides, with a managed-identity connection string", () => {
    const { raw, values } = settingsOf(DTS);
    expect(values[`${OVERRIDE}type`]).toBe("azureManaged");
    expect(values[`${OVERRIDE}connectionStringName`]).toBe("DURABLE_TASK_SCHEDULER_CONNECTION_STRING");
    const connection = String(values.DURABLE_TASK_SCHEDULER_CONNECTION_STRING);
    expect(connection).toMatch(/^Endpoint=<runtime:[^>]+>;Authentication=ManagedIdentity;ClientID=<runtime:[^>]+>$/);
    expect(connection).not.toMatch(/AccountKey|SharedAccessSignature|secret/i);
    // The endpoint is the scheduler's own, the client ID the app identity's (the same one AZURE_CLIENT_ID names).
    const module = deployed(DTS).find(
      (l) => l.resource.type === "Microsoft.Resources/deployments" && l.resource.name === "function-app",
    )!;
    // Conditional module arguments compile to one expression per entry: "[if(…, createObject('value', …), …)]".
    const passed = module.resource.properties!.parameters as Record<string, unknown>;
    expect(JSON.stringify(passed.durableTaskSchedulerEndpoint)).toContain("'durable-task-scheduler'");
    expect(JSON.stringify(passed.durableTaskSchedulerEndpoint)).toContain("outputs.endpoint.value");
    expect(JSON.stringify(passed.durableTaskHub)).toContain("outputs.taskHubName.value");
    expect(JSON.stringify(raw)).toContain("variables('durableTaskSchedulerSettings')");
    expect(JSON.stringify((module.resource.properties!.template as ArmTemplate).variables)).toContain(
      "ClientID={1}', parameters('durableTaskSchedulerEndpoint'), parameters('identityClientId')",
    );
  });

  it("keeps host storage by identity: the host still needs AzureWebJobsStorage with either backend", () => {
    const { values } = settingsOf(DTS);
    expect(values.AzureWebJobsStorage__credential).toBe("managedidentity");
    expect(values).not.toHaveProperty("AzureWebJobsStorage");
  });
});
