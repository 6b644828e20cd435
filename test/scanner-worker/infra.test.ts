/**
 * The scanner's infrastructure, asserted on the ARM JSON the real Bicep CLI compiles from infra/modules/scanner-*.bicep
 * (infra/tools/bicep.sh build-all): the event-driven job on the scan queue with a managed-identity scaler, no
 * connection string or key anywhere, roles scoped to the queues with GUIDs checked against
 * ../shared/reference/azure-role-ids.md, and an image registry of the deployment's own.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { longestHoldSeconds, readWorkerConfig } from "../../scanner-worker/config.js";
import { evaluate, parametersReadBy, type ArmValue } from "../infra/arm-expression.js";
import { ensureCompiled, readCompiled, walk, type ArmTemplate, type Located } from "../infra/arm-template.js";
import { projectRoot } from "../support/paths.js";

/** Role name → definition ID, read from the shared reference (an oracle this project did not write). */
function referenceRoles(): Map<string, string> {
  const text = readFileSync(join(projectRoot, "..", "shared", "reference", "azure-role-ids.md"), "utf8");
  const roles = new Map<string, string>();
  for (const match of text.matchAll(/^\|\s*([^|]+?)\s*\|\s*([0-9a-f-]{36})\s*\|$/gm)) roles.set(match[1]!, match[2]!);
  return roles;
}

// Storage Queue Data Reader is not in the shared reference; its ID comes from the built-in roles reference
// (MicrosoftDocs/azure-docs, articles/role-based-access-control/built-in-roles/storage.md) and is kept in
// infra/modules/scanner-role-ids.bicep with that source.
const NOT_IN_SHARED_REFERENCE = { "Storage Queue Data Reader": "19e7f393-937e-4f77-808e-94535e297925" };

const PARAMETERS: Record<string, ArmValue> = {
  resourceToken: "abcdefghijklm",
  location: "westeurope",
  tags: { "azd-env-name": "test" },
  storageAccountName: "stabcdefghijklm",
  scanQueueName: "scan-requests",
  logAnalyticsName: "log-abcdefghijklm",
};

describe("scanner infrastructure (compiled ARM JSON)", () => {
  let template: ArmTemplate;
  let all: Located[];
  let compiledText: string;
  const roles = referenceRoles();
  const ofType = (type: string) => all.filter((l) => l.resource.type === type && !l.resource.existing);
  const one = (type: string) => {
    const found = ofType(type);
    expect(found, type).toHaveLength(1);
    return found[0]!;
  };
  const value = (located: Located, path: string[]): ArmValue => {
    let current: unknown = located.resource;
    for (const key of path) current = (current as Record<string, unknown>)[key];
    return evaluate(current, located.scope);
  };
  /** The expression a module passes for one of its parameters, as written in the parent template. */
  const passedTo = (moduleName: string, parameter: string): string => {
    const deployment = all.find(
      (l) => l.resource.type === "Microsoft.Resources/deployments" && l.resource.name === moduleName,
    );
    const parameters = deployment?.resource.properties?.parameters as Record<string, { value: unknown }>;
    return JSON.stringify(parameters[parameter]?.value);
  };

  beforeAll(() => {
    ensureCompiled();
    template = readCompiled("modules/scanner-stack.json");
    all = walk(template, PARAMETERS);
    compiledText = ["stack", "job", "registry", "queue-access", "environment", "trivy-server"]
      .map((m) => JSON.stringify(readCompiled(`modules/scanner-${m}.json`)))
      .join("\n");
  });

  it("the shared reference is readable (the oracle of the role GUIDs below)", () => {
    expect(roles.get("AcrPull")).toMatch(/^[0-9a-f-]{36}$/);
    expect(roles.get("Storage Queue Data Message Processor")).toMatch(/^[0-9a-f-]{36}$/);
    expect(roles.has("Storage Queue Data Reader")).toBe(false);
  });

  it("an event-driven job, triggered by KEDA's azure-queue scaler on the scan queue, zero executions when idle", () => {
    const job = one("Microsoft.App/jobs");
    const configuration = value(job, ["properties", "configuration"]) as Record<string, ArmValue>;
    expect(configuration.triggerType).toBe("Event");
    expect(configuration.replicaRetryLimit).toBe(0);
    const trigger = configuration.eventTriggerConfig as Record<string, ArmValue>;
    expect(trigger).toMatchObject({ parallelism: 1, replicaCompletionCount: 1 });
    const scale = trigger.scale as Record<string, ArmValue>;
    expect(scale).toMatchObject({ minExecutions: 0, maxExecutions: 10, pollingInterval: 30 });
    const rules = scale.rules as Array<Record<string, ArmValue>>;
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({
      type: "azure-queue",
      metadata: {
        accountName: PARAMETERS.storageAccountName,
        queueName: PARAMETERS.scanQueueName,
        queueLength: "1",
        queueLengthStrategy: "visibleonly",
      },
    });
    // Authenticated by identity, not by a secret: no `auth`, and no secret for it to refer to.
    expect(rules[0]!.auth).toBeUndefined();
    expect(configuration.secrets).toBeUndefined();
    // azd deploy finds the job by its azd-service-name tag (union() of the stack's tags and this one).
    expect(String(job.resource.tags)).toContain("'azd-service-name', parameters('serviceName')");
    expect(template.parameters?.serviceName?.defaultValue).toBe("scanner");
  });

  it("the scale rule and the image pull use the platform identity; the code only the worker identity", () => {
    const job = one("Microsoft.App/jobs");
    const raw = job.resource.properties as Record<string, unknown>;
    const configuration = raw.configuration as Record<string, unknown>;
    const rule = (
      (configuration.eventTriggerConfig as Record<string, unknown>).scale as { rules: Array<Record<string, unknown>> }
    ).rules[0]!;
    expect(parametersReadBy(rule.identity)).toEqual(["platformIdentityId"]);
    expect(parametersReadBy((configuration.registries as Array<Record<string, unknown>>)[0]!.identity)).toEqual([
      "platformIdentityId",
    ]);
    const settings = configuration.identitySettings as Array<{ identity: unknown; lifecycle: string }>;
    expect(settings.map((s) => [parametersReadBy(s.identity)[0], s.lifecycle])).toEqual([
      ["workerIdentityId", "Main"],
      ["platformIdentityId", "None"],
    ]);
    const identity = job.resource.identity as { type: string; userAssignedIdentities: Record<string, unknown> };
    expect(identity.type).toBe("UserAssigned");
    expect(
      Object.keys(identity.userAssignedIdentities)
        .flatMap((key) => parametersReadBy(key))
        .sort(),
    ).toEqual(["platformIdentityId", "workerIdentityId"]);
    expect(passedTo("scanner-job", "workerIdentityId")).toContain("scanner-worker-identity");
    expect(passedTo("scanner-job", "platformIdentityId")).toContain("scanner-platform-identity");
    const env = value(job, ["properties", "template", "containers"]) as Array<{ env: Array<{ name: string }> }>;
    const names = env[0]!.env.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(["SCAN_QUEUE_ACCOUNT_NAME", "AZURE_CLIENT_ID", "TRIVY_SERVER_URL"]));
    expect(names).not.toContain("SCAN_QUEUE_CONNECTION_STRING");
    expect(passedTo("scanner-job", "workerIdentityClientId")).toContain("scanner-worker-identity");
  });

  it("no connection string, account key, shared key, secret or admin user anywhere in the scanner's templates", () => {
    for (const forbidden of [
      /listKeys/i,
      /AccountKey/i,
      /connectionString/i,
      /sharedKey/i,
      /secretRef/i,
      /passwordSecretRef/i,
      /"secrets"/,
      /SCAN_QUEUE_CONNECTION_STRING/,
    ])
      expect(compiledText, String(forbidden)).not.toMatch(forbidden);
    const registry = one("Microsoft.ContainerRegistry/registries");
    expect(value(registry, ["properties"])).toMatchObject({ adminUserEnabled: false, anonymousPullEnabled: false });
    const environment = one("Microsoft.App/managedEnvironments");
    expect(value(environment, ["properties", "appLogsConfiguration"])).toEqual({ destination: "azure-monitor" });
  });

  it("exactly four role assignments, each at the narrowest scope, GUIDs from the shared reference", () => {
    const assignments = ofType("Microsoft.Authorization/roleAssignments").map((l) => {
      const definition = String(value(l, ["properties", "roleDefinitionId"]));
      return {
        role: definition.slice(definition.lastIndexOf("/") + 1),
        scope: String(l.resource.scope),
        principal: parametersReadBy(l.resource.properties?.principalId),
        principalType: value(l, ["properties", "principalType"]),
        module: l.path,
      };
    });
    const processor = roles.get("Storage Queue Data Message Processor")!;
    const sender = roles.get("Storage Queue Data Message Sender")!;
    const acrPull = roles.get("AcrPull")!;
    const reader = NOT_IN_SHARED_REFERENCE["Storage Queue Data Reader"];
    const scanQueue =
      /queueServices\/queues', parameters\('storageAccountName'\), 'default', parameters\('scanQueueName'\)\)\]$/;
    const poisonQueue =
      /queueServices\/queues', parameters\('storageAccountName'\), 'default', parameters\('poisonQueueName'\)\)\]$/;
    const ownRegistry = /^\[resourceId\('Microsoft\.ContainerRegistry\/registries', parameters\('name'\)\)\]$/;
    expect(assignments).toHaveLength(4);
    expect(assignments.every((a) => a.principalType === "ServicePrincipal")).toBe(true);
    const find = (role: string) => assignments.filter((a) => a.role === role);
    expect(find(processor)).toHaveLength(1);
    expect(find(processor)[0]).toMatchObject({ principal: ["workerPrincipalId"] });
    expect(find(processor)[0]!.scope).toMatch(scanQueue);
    expect(find(sender)).toHaveLength(1);
    expect(find(sender)[0]).toMatchObject({ principal: ["workerPrincipalId"] });
    expect(find(sender)[0]!.scope).toMatch(poisonQueue);
    expect(find(reader)).toHaveLength(1);
    expect(find(reader)[0]).toMatchObject({ principal: ["scalerPrincipalId"] });
    expect(find(reader)[0]!.scope).toMatch(scanQueue);
    expect(find(acrPull)).toHaveLength(1);
    expect(find(acrPull)[0]).toMatchObject({ principal: ["pullPrincipalId"] });
    expect(find(acrPull)[0]!.scope).toMatch(ownRegistry);
    // Who is who: the worker identity takes and poisons requests; the platform identity pulls and scales.
    expect(passedTo("scanner-queue-access", "workerPrincipalId")).toContain("scanner-worker-identity");
    expect(passedTo("scanner-queue-access", "scalerPrincipalId")).toContain("scanner-platform-identity");
    expect(passedTo("scanner-registry", "pullPrincipalId")).toContain("scanner-platform-identity");
  });

  it("the worker image comes from a registry of the deployment's own: new, Basic (no quarantine), not the gated one", () => {
    const registry = one("Microsoft.ContainerRegistry/registries");
    expect(registry.resource.existing).toBeUndefined();
    expect(value(registry, ["sku"])).toEqual({ name: "Basic" });
    expect(value(registry, ["name"])).toBe(`cr${PARAMETERS.resourceToken}`);
    expect(value(registry, ["properties", "roleAssignmentMode"])).toBe("LegacyRegistryPermissions");
    // The stack knows nothing of the gated registry: no parameter could point it there.
    expect(Object.keys(template.parameters ?? {}).filter((p) => /registry/i.test(p))).toEqual([]);
    expect(passedTo("scanner-job", "registryLoginServer")).toContain("scanner-registry");
    // No registry resource in the scanner's templates refers to an existing one (the gated registry is one).
    expect(
      all.filter((l) => l.resource.type === "Microsoft.ContainerRegistry/registries" && l.resource.existing),
    ).toEqual([]);
  });

  it("the poison queue is created beside the scan queue; the Trivy server is internal only and the same version as the image", () => {
    const queues = ofType("Microsoft.Storage/storageAccounts/queueServices/queues");
    expect(queues.map((q) => value(q, ["name"]))).toEqual([
      `${PARAMETERS.storageAccountName}/default/scan-requests-poison`,
    ]);
    const server = one("Microsoft.App/containerApps");
    expect(value(server, ["properties", "configuration", "ingress"])).toMatchObject({
      external: false,
      allowInsecure: false,
    });
    const dockerfile = readFileSync(join(projectRoot, "scanner-worker", "Dockerfile"), "utf8");
    const pinned = /^ARG TRIVY_VERSION=(\S+)$/m.exec(dockerfile)?.[1];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(template.parameters?.trivyVersion?.defaultValue).toBe(pinned);
    const containers = value(server, ["properties", "template", "containers"]) as Array<{ image: string }>;
    expect(containers[0]!.image).toBe(`ghcr.io/aquasecurity/trivy:${pinned}`);
  });

  it("timeouts: the replica outlives the worker's longest hold, the visibility outlives the replica", () => {
    const job = readCompiled("modules/scanner-job.json");
    const extra = (name: string, base: string) => {
      const match = new RegExp(`^\\[add\\(${base}, (\\d+)\\)\\]$`).exec(String(job.variables?.[name]));
      expect(match, `${name}: ${String(job.variables?.[name])}`).not.toBeNull();
      return Number(match![1]);
    };
    const replicaExtra = extra("replicaTimeoutSeconds", "parameters\\('scanTimeoutSeconds'\\)");
    const visibilityExtra = extra("visibilityTimeoutSeconds", "variables\\('replicaTimeoutSeconds'\\)");
    // The worker's own rule, with its default callback settings (the job sets none): what it holds beyond the scan.
    const defaults = readWorkerConfig({ SCAN_QUEUE_ACCOUNT_NAME: "stx00", SCAN_TIMEOUT_SECONDS: "600" });
    const holdBeyondScan = longestHoldSeconds(defaults) - 600;
    expect(replicaExtra).toBeGreaterThanOrEqual(holdBeyondScan);
    expect(visibilityExtra).toBeGreaterThan(0);
    // And the worker accepts the visibility the job gives it, for the shortest and longest scan timeouts allowed.
    for (const scan of [60, 600, 21600])
      expect(() =>
        readWorkerConfig({
          SCAN_QUEUE_ACCOUNT_NAME: "stx00",
          SCAN_TIMEOUT_SECONDS: String(scan),
          VISIBILITY_TIMEOUT_SECONDS: String(scan + replicaExtra + visibilityExtra),
        }),
      ).not.toThrow();
  });
});
