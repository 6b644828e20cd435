import { describe, expect, it } from "vitest";
import {
  ConfigError,
  DEFAULTS,
  approvalConfig,
  complianceConfig,
  gateConfig,
  hostConfig,
  loadConfig,
  policyConfig,
  registryConfig,
  scannerConfig,
  statusConfig,
  storageConfig,
  sweepConfig,
  sweepTimerSchedule,
} from "../../src/config.js";
import { AppSettings } from "../../src/composition/settings.js";
import { CompositionRoot } from "../../src/composition/root.js";

const MINIMAL = { GATE_REGISTRIES: "contoso.azurecr.io", POLICY_DOCUMENT: '{"version":1}' };

function problemsOf(read: () => unknown): string[] {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe("app settings", () => {
  it("needs only the registries and the policy; everything else has the infra defaults", () => {
    const config = loadConfig(MINIMAL);
    expect(config.registry).toEqual({
      allowedRegistries: ["contoso.azurecr.io"],
      tokenAudience: "https://containerregistry.azure.net",
      managedIdentityClientId: undefined,
    });
    expect(config.gate).toEqual({ mode: "enforce", taskHub: "QuarantineGate" });
    expect(config.scanner).toEqual({
      kind: "queue",
      queueName: "scan-requests",
      deadline: { iso: "PT30M", ms: 30 * 60_000 },
    });
    expect(config.approval).toEqual({
      deadline: { iso: "P3D", ms: 3 * 86_400_000 },
      tenantId: undefined,
      clientId: undefined,
      appIdUri: undefined,
      authorityHost: "https://login.microsoftonline.com",
      onTimeout: "Failed",
    });
    expect(config.policy.document).toEqual({ version: 1 });
    expect(config.sweep).toEqual({
      schedule: "0 */30 * * * *",
      staleAfter: { iso: "PT6H", ms: 6 * 3_600_000 },
      maxQuarantineAge: { iso: "P14D", ms: 14 * 86_400_000 },
      readBudgetPercent: 20,
    });
    expect(config.storage).toEqual({ auditTable: "GateAudit", reportContainer: "compliance-reports" });
    expect(config.status).toEqual({ baseUrl: undefined });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reads every setting when given", () => {
    const config = loadConfig({
      GATE_REGISTRIES: " Contoso.azurecr.io , localhost:5443,contoso.azurecr.io ",
      GATE_MODE: "shadow",
      DURABLE_TASK_HUB: "GateHub2",
      ACR_TOKEN_AUDIENCE: "https://management.usgovcloudapi.net",
      AZURE_CLIENT_ID: "22222222-2222-4222-8222-222222222222",
      SCANNER_KIND: "harbor",
      HARBOR_SCANNER_URL: "http://127.0.0.1:8080/api/v1",
      SCAN_DEADLINE: "PT1H30M",
      APPROVAL_DEADLINE: "P1W",
      POLICY_DOCUMENT: '{"version":1,"rules":[]}',
      APPROVER_TENANT_ID: "72f988bf-86f1-41af-91ab-2d7cd011db47",
      APPROVER_CLIENT_ID: "33333333-3333-4333-8333-333333333333",
      APPROVER_APP_ID_URI: "api://quarantine-gate",
      SWEEP_SCHEDULE: "0 0 */2 * * *",
      STALE_AFTER: "PT2H",
      MAX_QUARANTINE_AGE: "P7D",
      SWEEP_READ_BUDGET_PERCENT: "5",
      AUDIT_TABLE: "Audit2",
      REPORT_CONTAINER: "reports-2",
      STATUS_BASE_URL: "https://gate.example/api/",
    });
    expect(config.registry.allowedRegistries).toEqual(["contoso.azurecr.io", "localhost:5443"]);
    expect(config.registry.managedIdentityClientId).toBe("22222222-2222-4222-8222-222222222222");
    expect(config.gate).toEqual({ mode: "shadow", taskHub: "GateHub2" });
    expect(config.scanner).toMatchObject({ kind: "harbor", deadline: { ms: 90 * 60_000 } });
    expect(config.scanner.kind === "harbor" && config.scanner.harborUrl.href).toBe("http://127.0.0.1:8080/api/v1");
    expect(config.approval).toMatchObject({
      deadline: { ms: 7 * 86_400_000 },
      clientId: "33333333-3333-4333-8333-333333333333",
      appIdUri: "api://quarantine-gate",
    });
    expect(approvalConfig({ APPROVER_AUTHORITY_HOST: "http://127.0.0.1:7080/" }).authorityHost).toBe(
      "http://127.0.0.1:7080",
    );
    expect(() => approvalConfig({ APPROVAL_TIMEOUT_OUTCOME: "Passed" })).toThrow(/APPROVAL_TIMEOUT_OUTCOME/);
    expect(config.sweep).toMatchObject({ schedule: "0 0 */2 * * *", readBudgetPercent: 5 });
    expect(config.status.baseUrl).toBe("https://gate.example/api");
  });

  it("treats blank values as unset", () => {
    expect(gateConfig({ GATE_MODE: "  ", DURABLE_TASK_HUB: "" })).toEqual({
      mode: DEFAULTS.GATE_MODE,
      taskHub: DEFAULTS.DURABLE_TASK_HUB,
    });
    expect(
      registryConfig({ GATE_REGISTRIES: "r.azurecr.io", AZURE_CLIENT_ID: "" }).managedIdentityClientId,
    ).toBeUndefined();
  });

  it("lists every problem at once, each naming its setting", () => {
    const problems = problemsOf(() =>
      loadConfig({
        GATE_MODE: "audit",
        SCANNER_KIND: "harbor",
        SCAN_DEADLINE: "30 minutes",
        APPROVAL_DEADLINE: "P1M",
        SWEEP_SCHEDULE: "*/5 * * * *",
        STALE_AFTER: "PT0S",
        SWEEP_READ_BUDGET_PERCENT: "150",
        AUDIT_TABLE: "audit-table",
        REPORT_CONTAINER: "Reports",
        STATUS_BASE_URL: "ftp://x",
        APPROVER_TENANT_ID: "tenant",
        AZURE_CLIENT_ID: "not-a-guid",
        DURABLE_TASK_HUB: "1hub",
        POLICY_DOCUMENT: "[1]",
      }),
    );
    for (const name of [
      "GATE_REGISTRIES is required",
      "GATE_MODE",
      "HARBOR_SCANNER_URL is required",
      "SCAN_DEADLINE",
      "APPROVAL_DEADLINE must not use years or months",
      "SWEEP_SCHEDULE must be a six-field",
      "STALE_AFTER must be longer than zero",
      "SWEEP_READ_BUDGET_PERCENT must be from 1 to 100",
      "AUDIT_TABLE",
      "REPORT_CONTAINER",
      "STATUS_BASE_URL",
      "APPROVER_TENANT_ID",
      "AZURE_CLIENT_ID",
      "DURABLE_TASK_HUB",
      "POLICY_DOCUMENT must be a JSON object",
    ]) {
      expect(
        problems.some((p) => p.startsWith(name)),
        name,
      ).toBe(true);
    }
    expect(() => loadConfig({})).toThrow(/invalid app settings:\n- GATE_REGISTRIES is required/);
  });

  it("refuses registry entries that are not login servers, and a non-https audience", () => {
    expect(problemsOf(() => registryConfig({ GATE_REGISTRIES: "https://contoso.azurecr.io" }))[0]).toMatch(
      /GATE_REGISTRIES: "https:\/\/contoso.azurecr.io" is not a login server/,
    );
    expect(problemsOf(() => registryConfig({ GATE_REGISTRIES: "a.azurecr.io,contoso.azurecr.io/team" }))).toHaveLength(
      1,
    );
    expect(problemsOf(() => registryConfig({ GATE_REGISTRIES: " , " }))).toEqual(["GATE_REGISTRIES names no registry"]);
    expect(
      problemsOf(() =>
        registryConfig({ GATE_REGISTRIES: "a.azurecr.io", ACR_TOKEN_AUDIENCE: "http://containerregistry.azure.net" }),
      )[0],
    ).toMatch(/ACR_TOKEN_AUDIENCE/);
  });

  it("validates the sweep: NCRONTAB values, stale before max age, whole-number budget", () => {
    expect(problemsOf(() => sweepConfig({ SWEEP_SCHEDULE: "0 61 * * * *" }))[0]).toMatch(
      /SWEEP_SCHEDULE "0 61 \* \* \* \*" is not a valid NCRONTAB expression/,
    );
    expect(problemsOf(() => sweepConfig({ STALE_AFTER: "P30D", MAX_QUARANTINE_AGE: "P14D" }))).toEqual([
      "STALE_AFTER (P30D) must not be longer than MAX_QUARANTINE_AGE (P14D)",
    ]);
    expect(problemsOf(() => sweepConfig({ SWEEP_READ_BUDGET_PERCENT: "12.5" }))[0]).toMatch(/whole number/);
    expect(problemsOf(() => sweepConfig({ SWEEP_READ_BUDGET_PERCENT: "0" }))[0]).toMatch(/from 1 to 100/);
    expect(problemsOf(() => sweepConfig({ STALE_AFTER: "-PT1H" }))[0]).toMatch(/longer than zero/);
  });

  it("reads each part on its own, so a function fails only for the settings it uses", () => {
    const env = { SCANNER_KIND: "queue", SCAN_QUEUE_NAME: "bad--name" };
    expect(problemsOf(() => scannerConfig(env))[0]).toMatch(/SCAN_QUEUE_NAME/);
    expect(() => storageConfig(env)).not.toThrow();
    expect(() => statusConfig(env)).not.toThrow();
    expect(() => approvalConfig({ APPROVER_APP_ID_URI: "api://a b" })).toThrow(/APPROVER_APP_ID_URI/);
    expect(() => policyConfig({ POLICY_DOCUMENT: "{not json" })).toThrow(ConfigError);
  });

  it("VEX_REFRESH: a minute by default, any positive duration up to an hour, anything else refused", () => {
    expect(policyConfig({ POLICY_DOCUMENT: "{}" }).vexRefreshMs).toBe(60_000);
    expect(policyConfig({ POLICY_DOCUMENT: "{}", VEX_REFRESH: "PT5S" }).vexRefreshMs).toBe(5_000);
    for (const bad of ["PT2H", "PT0S", "soon"])
      expect(() => policyConfig({ POLICY_DOCUMENT: "{}", VEX_REFRESH: bad })).toThrow(/VEX_REFRESH/);
  });
});

describe("compliance sweep settings", () => {
  const ACR_ID =
    "/subscriptions/11111111-1111-4111-8111-111111111111/resourceGroups/rg-gate/providers/Microsoft.ContainerRegistry/registries/contosoacr";

  it("defaults: no expiry, Premium ReadOps, 4 repositories at once, public ARM, no resource ids", () => {
    expect(loadConfig(MINIMAL).compliance).toEqual({
      expireInQuarantine: false,
      registryReadOpsPerMinute: 10_000,
      concurrency: 4,
      armEndpoint: "https://management.azure.com",
      armAudience: "https://management.azure.com",
      registryResourceIds: [],
    });
  });

  it("reads every compliance setting", () => {
    const config = complianceConfig({
      GATE_REGISTRIES: "contoso.azurecr.io, localhost:5443",
      GATE_REGISTRY_RESOURCE_IDS: ` ${ACR_ID} , ${ACR_ID.replace("contosoacr", "localacr")}`,
      EXPIRE_IN_QUARANTINE: "true",
      SWEEP_REGISTRY_READ_OPS: "3000",
      SWEEP_CONCURRENCY: "32",
      ARM_ENDPOINT: "https://localhost:5443/",
      ARM_AUDIENCE: "https://management.usgovcloudapi.net/",
    });
    expect(config).toEqual({
      expireInQuarantine: true,
      registryReadOpsPerMinute: 3000,
      concurrency: 32,
      armEndpoint: "https://localhost:5443",
      armAudience: "https://management.usgovcloudapi.net",
      registryResourceIds: [ACR_ID, ACR_ID.replace("contosoacr", "localacr")],
    });
  });

  it("refuses malformed values, each naming its setting", () => {
    const problems = problemsOf(() =>
      complianceConfig({
        GATE_REGISTRIES: "a.azurecr.io",
        GATE_REGISTRY_RESOURCE_IDS: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a",
        EXPIRE_IN_QUARANTINE: "yes",
        SWEEP_REGISTRY_READ_OPS: "0",
        SWEEP_CONCURRENCY: "33",
        ARM_ENDPOINT: "http://management.azure.com",
        ARM_AUDIENCE: "not a url",
      }),
    );
    for (const name of [
      "GATE_REGISTRY_RESOURCE_IDS",
      "EXPIRE_IN_QUARANTINE",
      "SWEEP_REGISTRY_READ_OPS",
      "SWEEP_CONCURRENCY",
      "ARM_ENDPOINT",
      "ARM_AUDIENCE",
    ]) {
      expect(
        problems.some((p) => p.startsWith(name)),
        name,
      ).toBe(true);
    }
  });

  it("needs one resource id per registry, in the same order", () => {
    expect(
      problemsOf(() =>
        complianceConfig({ GATE_REGISTRIES: "a.azurecr.io,b.azurecr.io", GATE_REGISTRY_RESOURCE_IDS: ACR_ID }),
      ),
    ).toEqual([
      "GATE_REGISTRY_RESOURCE_IDS names 1 registries but GATE_REGISTRIES names 2; give one resource id per registry, in the same order",
    ]);
    expect(complianceConfig({ GATE_REGISTRIES: "a.azurecr.io" }).registryResourceIds).toEqual([]);
  });
});

describe("the host's own settings and the composition root", () => {
  it("reads WEBSITE_HOSTNAME and the timer's schedule binding through config.ts", () => {
    expect(hostConfig({ WEBSITE_HOSTNAME: " gate.azurewebsites.net " })).toEqual({
      appHostname: "gate.azurewebsites.net",
    });
    expect(hostConfig({})).toEqual({ appHostname: undefined });
    expect(sweepTimerSchedule({})).toBe(DEFAULTS.SWEEP_SCHEDULE);
    expect(sweepTimerSchedule({ SWEEP_SCHEDULE: "  " })).toBe(DEFAULTS.SWEEP_SCHEDULE);
    expect(sweepTimerSchedule({ SWEEP_SCHEDULE: "0 0 * * * *" })).toBe("%SWEEP_SCHEDULE%");
  });

  it("reads each part once, on first use, and fails only the parts that are wrong", () => {
    const reads = new Map<string, number>();
    const env = new Proxy(
      { ...MINIMAL, SCAN_DEADLINE: "PT5M", SWEEP_SCHEDULE: "not a schedule" } as Record<string, string>,
      {
        get(target, name: string) {
          reads.set(name, (reads.get(name) ?? 0) + 1);
          return target[name];
        },
      },
    );
    const settings = new AppSettings(env);
    expect(reads.size).toBe(0);
    expect(settings.get("scanner").deadline.iso).toBe("PT5M");
    expect(settings.get("scanner")).toBe(settings.get("scanner"));
    expect(reads.get("SCAN_DEADLINE")).toBe(1);
    expect(settings.get("registry").allowedRegistries).toEqual(["contoso.azurecr.io"]);
    expect(() => settings.get("sweep")).toThrow(ConfigError);
  });

  it("builds what handlers use once, from those settings and its clock", () => {
    const clock = () => new Date("2024-01-01T00:00:00Z");
    const root = new CompositionRoot(
      { ...MINIMAL, GATE_MODE: "shadow", STATUS_BASE_URL: "https://gate.example/api" },
      clock,
    );
    expect(root.pipelineSettings()).toEqual({
      mode: "shadow",
      scanDeadlineMs: 30 * 60_000,
      approvalDeadlineMs: 3 * 86_400_000,
      onApprovalTimeout: "Failed",
      statusBaseUrl: "https://gate.example/api",
    });
    expect(root.pipelineSettings()).toBe(root.pipelineSettings());
    expect(root.allowlist().has("CONTOSO.azurecr.io")).toBe(true);
    expect(root.allowlist().has("other.azurecr.io")).toBe(false);
    expect(root.clock()).toEqual(new Date("2024-01-01T00:00:00Z"));
    // No storage setting: the services that need storage fail, the settings above do not.
    expect(() => root.audit()).toThrow(/storage is not configured/);
  });
});
