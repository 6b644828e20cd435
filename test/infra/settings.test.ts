/**
 * The app settings the template sets and the settings the app reads agree. The names the app reads are scanned from
 * src/ (and host.json's %SETTING% references), so a new setting is caught without editing this file; the only
 * exceptions are the two commented allowlists below.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate, type ArmValue } from "./arm-expression.js";
import {
  azdParameterValues,
  ensureCompiled,
  isDeployed,
  readCompiled,
  walk,
  type ArmTemplate,
} from "./arm-template.js";
import { projectRoot } from "../support/paths.js";

/** Settings src reads that the template deliberately leaves unset in Azure. */
const READ_BUT_NOT_SET: Record<string, string> = {
  AzureWebJobsStorage: "connection string: local only (Azurite); in Azure the host and the app use the identity form",
  AzureWebJobsStorage__serviceUri: "alias of __blobServiceUri; the template sets the explicit per-service URIs",
  AzureWebJobsStorage__endpointSuffix: "only used with __accountName alone; the template sets the per-service URIs",
  APPROVAL_TIMEOUT_OUTCOME: "optional; its default (Failed) is the fail-closed choice",
  SWEEP_REGISTRY_READ_OPS: "optional tuning; the default is Premium's ReadOps per minute",
  SWEEP_CONCURRENCY: "optional tuning with a default",
  WEBSITE_HOSTNAME: "set by the platform on every Function App, never by an app setting",
  ATTESTATION_SIGNING_KEY_FILE:
    "a local key file: local stack and self-hosted only; Azure signs with the Key Vault key",
  ATTESTATION_VERIFIER_ID: "optional; default urn:acr-quarantine-gate",
  VEX_REFERRERS: "optional; default off (VEX from the image's referrers is opt-in)",
  VEX_REFERRER_KEYS: "only with VEX_REFERRERS=signed: the JWKS file of trusted VEX signers",
  ACR_QUARANTINE_GATE_JWKS: "read by the verify CLI (src/cli) on the user's machine, not by the app",
  REGISTRY_USERNAME: "read by the verify CLI (src/cli) on the user's machine, not by the app",
  REGISTRY_PASSWORD: "read by the verify CLI (src/cli) on the user's machine, not by the app",
  REEVALUATE_SCHEDULE: "optional; default schedule in src/config-reevaluation.ts (REEVALUATION_DEFAULTS)",
  REEVALUATE_IN_USE_IMAGES: "optional; no digests listed as in use unless set",
  REEVALUATE_MAX_CONCURRENCY: "optional tuning with a default (4)",
  REEVALUATE_READS_PER_IMAGE: "optional tuning with a default (4)",
  REEVALUATE_RESCAN_DEADLINE_SECONDS: "optional tuning with a default (300)",
  REEVALUATE_TABLE: "optional; default <DURABLE_TASK_HUB>Remediation",
  VEX_REFRESH: "optional tuning with a default (PT1M): how soon a new VEX document applies",
};

/** Settings the template sets that src does not read: the Functions host, its extensions or the platform read them. */
const SET_BUT_NOT_READ_BY_SRC: Record<string, string> = {
  AzureWebJobsStorage__credential: "Functions host: identity-based host storage",
  AzureWebJobsSecretStorageType: "Functions host: keys in Key Vault",
  AzureWebJobsSecretStorageKeyVaultUri: "Functions host: keys in Key Vault",
  AzureWebJobsSecretStorageKeyVaultClientId: "Functions host: keys in Key Vault",
  ACR_WEBHOOK_KEY_VERSION: "changes with the webhook key so that the host restarts and reloads its keys",
  APPLICATIONINSIGHTS_CONNECTION_STRING: "Functions host and Node worker telemetry",
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "Functions host telemetry by Entra ID",
  languageWorkers__node__arguments: "Functions host: arguments of the Node worker process",
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: "host.json override (Durable Task Scheduler)",
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName:
    "host.json override (Durable Task Scheduler)",
  DURABLE_TASK_SCHEDULER_CONNECTION_STRING: "Durable extension, through storageProvider.connectionStringName",
};

/** Reader methods of src/config.ts that read a setting by the name in their first argument. */
const READING_METHODS = "raw|required|oneOf|matching|optionalGuid|duration";

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(folder, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(folder, entry.name)]
        : [],
  );
}

/** Setting names src reads, with the file that reads each; and reads this scan cannot name (they fail the test). */
function scanSource(): { read: Map<string, string>; unscannable: string[] } {
  const read = new Map<string, string>();
  const unscannable: string[] = [];
  const add = (name: string, file: string) => read.set(name, read.get(name) ?? file);
  for (const file of sourceFiles(join(projectRoot, "src"))) {
    const text = readFileSync(file, "utf8");
    const where = relative(projectRoot, file);
    // `this.raw(name)` inside the Reader itself is the mechanism, not a read of a named setting.
    for (const m of text.matchAll(new RegExp(`(?<!\\bthis)\\.(?:${READING_METHODS})\\(\\s*("([^"]+)"|[^\\s)])`, "g"))) {
      if (m[2] !== undefined) add(m[2], where);
      else unscannable.push(`${where}: .${m[0]}`);
    }
    for (const m of text.matchAll(/(?<!\bthis\.)\benv(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*"([^"]+)"\s*\])/g))
      add(m[1] ?? m[2]!, where);
    for (const m of text.matchAll(/(?<!\bthis\.)\benv\[\s*[^"\s]/g)) unscannable.push(`${where}: ${m[0]}`);
    for (const m of text.matchAll(/["'`]%([A-Za-z_][A-Za-z0-9_]*)%["'`]/g)) add(m[1]!, where);
  }
  for (const m of readFileSync(join(projectRoot, "host.json"), "utf8").matchAll(/%([A-Za-z_][A-Za-z0-9_]*)%/g))
    add(m[1]!, "host.json");
  return { read, unscannable };
}

let main: ArmTemplate;
const appSettings = (environment: Record<string, string>): Record<string, ArmValue> => {
  const configs = walk(main, azdParameterValues(environment)).filter(
    (l) => l.resource.type === "Microsoft.Web/sites/config" && isDeployed(l),
  );
  expect(configs).toHaveLength(1);
  return evaluate(configs[0]!.resource.properties ?? {}, configs[0]!.scope) as Record<string, ArmValue>;
};

beforeAll(() => {
  ensureCompiled();
  main = readCompiled("main.json");
}, 600_000);

describe("app settings: what src reads and what the template sets", () => {
  it("the scan sees src's settings by their literal names, and nothing it cannot name", () => {
    const { read, unscannable } = scanSource();
    expect(unscannable).toEqual([]);
    // A few that must be found, or the scan itself is broken.
    for (const name of ["GATE_REGISTRIES", "AUDIT_TABLE", "AzureWebJobsStorage__queueServiceUri", "DURABLE_TASK_HUB"])
      expect(read.has(name), name).toBe(true);
    expect(read.size).toBeGreaterThan(25);
  });

  for (const [label, environment] of [
    ["Azure Storage backend (default)", {}],
    ["Durable Task Scheduler backend", { DURABLE_BACKEND: "durableTaskScheduler" }],
  ] as const) {
    it(`${label}: every setting src reads is set, unless allowlisted as not needed in Azure`, () => {
      const set = appSettings(environment);
      const { read } = scanSource();
      const missing = [...read.keys()].filter((name) => !(name in set) && !(name in READ_BUT_NOT_SET));
      expect(missing.map((name) => `${name} (read in ${read.get(name)})`)).toEqual([]);
    });

    it(`${label}: every setting the template sets is read by src, or allowlisted as the host's`, () => {
      const set = appSettings(environment);
      const { read } = scanSource();
      expect(Object.keys(set).filter((name) => !read.has(name) && !(name in SET_BUT_NOT_READ_BY_SRC))).toEqual([]);
    });
  }

  it("the allowlists hold no stale names: each allowlisted setting is really read (resp. really set)", () => {
    const { read } = scanSource();
    expect(Object.keys(READ_BUT_NOT_SET).filter((name) => !read.has(name))).toEqual([]);
    const set = { ...appSettings({}), ...appSettings({ DURABLE_BACKEND: "durableTaskScheduler" }) };
    expect(Object.keys(SET_BUT_NOT_READ_BY_SRC).filter((name) => !(name in set))).toEqual([]);
    // Nothing may be in both: a setting the template sets must not be excused as "not set".
    expect(Object.keys(READ_BUT_NOT_SET).filter((name) => name in set)).toEqual([]);
  });

  it("src/storage reads no setting itself: only through src/config.ts", () => {
    for (const file of sourceFiles(join(projectRoot, "src", "storage"))) {
      const text = readFileSync(file, "utf8");
      // Passing the environment on to src/config.ts (`env = process.env`) is the only use allowed.
      expect(text.replace(/=\s*process\.env\b/g, ""), file).not.toMatch(/process\.env|\benv\.[A-Za-z]|\benv\[/);
      expect(text, file).not.toMatch(/core\.windows\.net/);
    }
  });
});
