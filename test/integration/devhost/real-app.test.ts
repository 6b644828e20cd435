import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevHost, type DevHost, type LogEntry } from "../../../local/devhost/index.js";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";
import { projectRoot } from "../../support/paths.js";
import { uniqueHubName } from "./support/fixture-host.js";

const COMPILED_FUNCTIONS = join(projectRoot, "dist", "src", "functions");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

interface Registration {
  name: string;
  kind: string;
  trigger: { route?: string; methods?: string[]; schedule?: string };
}

/**
 * Loads the real app exactly as `npm start` does (the project root: package.json `main`, host.json, compiled dist/) and
 * checks every registration: HTTP routes are routed (a method outside the function's list answers 405, which proves the
 * route without running handlers that would call Azure), timers have valid schedules (the host started them), durable
 * functions are registered with their kinds, and GET /api/health answers 200 "ok". Runs against `npm run build` output.
 */
describe("the real app under the devhost", () => {
  let azurite: TestAzurite;
  let host: DevHost;
  const logs: LogEntry[] = [];

  beforeAll(async () => {
    const compiled = existsSync(COMPILED_FUNCTIONS)
      ? readdirSync(COMPILED_FUNCTIONS).filter((f) => f.endsWith(".js"))
      : [];
    if (compiled.length === 0)
      throw new Error(`No compiled functions in ${COMPILED_FUNCTIONS}: run "npm run build" first (npm test does).`);
    azurite = await startTestAzurite();
    const sample = JSON.parse(readFileSync(join(projectRoot, "local.settings.sample.json"), "utf8")) as {
      Values: Record<string, string>;
    };
    host = await startDevHost({
      appRoot: projectRoot,
      port: 0,
      storageConnectionString: azurite.connectionString,
      // The sample's own AzureWebJobsStorage (UseDevelopmentStorage=true) names no running Azurite: this test's does.
      settings: {
        ...sample.Values,
        AzureWebJobsStorage: azurite.connectionString,
        DURABLE_TASK_HUB: uniqueHubName("RealApp"),
        // Allowed but not meant (a requireApprovalAt that can never apply): health counts it, the log says it.
        POLICY_DOCUMENT: JSON.stringify({
          version: 1,
          defaultRule: { blockAt: "High", requireApprovalAt: "Critical" },
        }),
      },
      logSinks: [(entry) => logs.push(entry)],
    });
  });
  afterAll(async () => {
    await host?.close();
    await azurite?.dispose();
  });

  it("answers GET /api/health with 200: storage answers (the sample's registry is not running, so ok or degraded)", async () => {
    const res = await fetch(`${host.url}/api/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; policy: { loaded: boolean; warnings: number } };
    expect(["ok", "degraded"]).toContain(body.status);
    expect(body.policy).toMatchObject({ loaded: true, warnings: 1 });
    // The warning's text, with its pointer, is in the operator's log (once per process), not in the anonymous answer.
    await fetch(`${host.url}/api/health`);
    const warned = logs.filter((l) =>
      /policy [0-9a-f]{12}: \/defaultRule: requireApprovalAt "Critical"/.test(l.message),
    );
    expect(warned).toHaveLength(1);
    expect(JSON.stringify(body)).not.toContain("requireApprovalAt");
  });

  it("registers every function of the compiled app with a known trigger kind", async () => {
    const registrations = (await (
      await fetch(`${host.url}/admin/functions`, { headers: { "x-functions-key": host.keys.masterKey } })
    ).json()) as Registration[];
    expect(registrations.map((r) => r.name).sort()).toEqual(host.functions.map((f) => f.name).sort());
    expect(registrations.find((r) => r.name === "health")?.kind).toBe("http");
    for (const registration of registrations) {
      expect(
        ["http", "timer", "orchestration", "activity"],
        `${registration.name} has trigger kind ${registration.kind}`,
      ).toContain(registration.kind);
    }
  });

  it("routes every HTTP function (a method it does not accept answers 405)", async () => {
    const registrations = (await (
      await fetch(`${host.url}/admin/functions`, { headers: { "x-functions-key": host.keys.masterKey } })
    ).json()) as Registration[];
    for (const fn of registrations.filter((r) => r.kind === "http")) {
      const accepted = (fn.trigger.methods ?? []).map((m) => m.toUpperCase());
      const probe = METHODS.find((m) => !accepted.includes(m));
      if (!probe) continue;
      const path = (fn.trigger.route ?? fn.name).replace(/\{([^}]*)\}/g, (_m, parameter: string) =>
        sampleValue(parameter),
      );
      const res = await fetch(`${host.url}/api/${path}`, { method: probe });
      expect(res.status, `${probe} /api/${path} (${fn.name})`).toBe(405);
    }
  });

  it("logs no load or start errors", () => {
    expect(logs.filter((l) => l.level === "error" || l.level === "critical").map((l) => l.message)).toEqual([]);
  });
});

/** A value that satisfies a route parameter's constraints (`{id:int}` → 1, `{key:guid}` → a GUID, …). */
function sampleValue(parameter: string): string {
  const constraints = parameter.split(":").slice(1).join(":").toLowerCase();
  if (/\b(int|long|min|max|range)\b/.test(constraints)) return "1";
  if (/\b(decimal|double|float)\b/.test(constraints)) return "1.5";
  if (constraints.includes("guid")) return "00000000-0000-4000-8000-000000000001";
  if (constraints.includes("bool")) return "true";
  if (constraints.includes("datetime")) return "2024-01-01";
  return "sample";
}
