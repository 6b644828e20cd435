import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DevHost } from "../../../local/devhost/index.js";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";
import { buildFixtureApp } from "./support/build.js";
import { eventually, fixtureSettings, startFixtureHost, uniqueHubName } from "./support/fixture-host.js";

interface TimerRun {
  name: string;
  isPastDue: boolean;
  last: string;
  next: string;
  at: string;
}

describe("devhost timer triggers and admin API", () => {
  let azurite: TestAzurite;
  let app: ReturnType<typeof buildFixtureApp>;
  let host: DevHost;
  const settings = fixtureSettings({ taskHub: uniqueHubName("Timers") });

  const runs = async (h: DevHost = host): Promise<TimerRun[]> =>
    ((await (await fetch(`${h.url}/api/fixture/state`)).json()) as { timerRuns: TimerRun[] }).timerRuns;
  const admin = (path: string, init: RequestInit = {}, key: string | null = host.keys.masterKey): Promise<Response> =>
    fetch(`${host.url}${path}`, {
      ...init,
      headers: { "content-type": "application/json", ...(key ? { "x-functions-key": key } : {}) },
    });

  beforeAll(async () => {
    azurite = await startTestAzurite();
    app = buildFixtureApp();
    ({ host } = await startFixtureHost(app.appRoot, azurite.connectionString, settings));
  });
  afterAll(async () => {
    await host?.close();
    await azurite?.dispose();
    app?.dispose();
  });

  it("runs a runOnStartup timer once at start, with its %setting% schedule resolved", async () => {
    const startup = await eventually(
      async () => (await runs()).filter((r) => r.name === "startupTick").at(0),
      "startupTick",
    );
    expect(startup.isPastDue).toBe(false);
    expect(new Date(startup.next).getUTCMonth()).toBe(0);
    expect(new Date(startup.next).getUTCDate()).toBe(1);
    expect((await runs()).filter((r) => r.name === "startupTick")).toHaveLength(1);
  });

  it("fires an NCRONTAB schedule repeatedly with Last/Next schedule status", async () => {
    const ticks = await eventually(async () => {
      const list = (await runs()).filter((r) => r.name === "everySecond");
      return list.length >= 2 ? list : undefined;
    }, "two everySecond runs");
    const [first, second] = ticks;
    expect(Date.parse(second!.last)).toBeGreaterThan(Date.parse(first!.last));
    expect(Date.parse(first!.next)).toBeGreaterThan(Date.parse(first!.last));
    expect(ticks.every((t) => t.isPastDue === false)).toBe(true);
  });

  it("runs any non-HTTP function now through POST /admin/functions/{name} (master key), answering 202", async () => {
    const res = await admin("/admin/functions/manualOnly", { method: "POST", body: "{}" });
    expect(res.status).toBe(202);
    await eventually(async () => (await runs()).find((r) => r.name === "manualOnly"), "manualOnly run");
    expect(
      (await admin("/admin/functions/genericProbe", { method: "POST", body: JSON.stringify({ input: "ping" }) }))
        .status,
    ).toBe(202);
    await eventually(async () => (await runs()).find((r) => r.name === "genericProbe:ping"), "genericProbe run");
  });

  it("refuses admin calls without the master key, for unknown, HTTP and durable functions, and with a bad body", async () => {
    expect((await admin("/admin/functions/manualOnly", { method: "POST", body: "{}" }, null)).status).toBe(401);
    expect(
      (await admin("/admin/functions/manualOnly", { method: "POST", body: "{}" }, host.keys.functionKey)).status,
    ).toBe(401);
    expect((await admin("/admin/functions/nope", { method: "POST", body: "{}" })).status).toBe(404);
    expect((await admin("/admin/functions/hello", { method: "POST", body: "{}" })).status).toBe(400);
    expect((await admin("/admin/functions/sequence", { method: "POST", body: "{}" })).status).toBe(400);
    expect((await admin("/admin/functions/manualOnly", { method: "POST", body: "not json" })).status).toBe(400);
    expect(
      (await admin("/admin/functions/manualOnly", { method: "POST", body: JSON.stringify({ input: 5 }) })).status,
    ).toBe(400);
  });

  it("lists registrations and host status for the master key", async () => {
    const list = (await (await admin("/admin/functions")).json()) as { name: string; kind: string }[];
    const kinds = Object.fromEntries(list.map((f) => [f.name, f.kind]));
    expect(kinds).toMatchObject({
      hello: "http",
      everySecond: "timer",
      sequence: "orchestration",
      sayHello: "activity",
      genericProbe: "other",
    });
    expect(((await (await admin("/admin/host/status")).json()) as { state: string }).state).toBe("Running");
  });

  it("marks the first run after a missed occurrence as isPastDue when the host restarts", async () => {
    await host.close();
    // The host is down for longer than everySecond's period, so its recorded Next lies in the past at restart.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const restartedAt = new Date().toISOString();
    ({ host } = await startFixtureHost(app.appRoot, azurite.connectionString, settings));
    // Both hosts share the fixture's state module in this process: look only at runs after the restart.
    const pastDue = await eventually(
      async () => (await runs(host)).find((r) => r.name === "everySecond" && r.at >= restartedAt),
      "everySecond after restart",
    );
    expect(pastDue.isPastDue).toBe(true);
  });
});
