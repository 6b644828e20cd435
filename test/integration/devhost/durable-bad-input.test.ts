import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DevHost, LogEntry } from "../../../local/devhost/index.js";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";
import { buildFixtureApp } from "./support/build.js";
import { DurableApi } from "./support/durable-api.js";
import { fixtureSettings, startFixtureHost, uniqueHubName } from "./support/fixture-host.js";

describe("devhost durable API: bad input and failing code", () => {
  let azurite: TestAzurite;
  let app: ReturnType<typeof buildFixtureApp>;
  let host: DevHost;
  let logs: LogEntry[];
  let api: DurableApi;

  beforeAll(async () => {
    azurite = await startTestAzurite();
    app = buildFixtureApp();
    ({ host, logs } = await startFixtureHost(
      app.appRoot,
      azurite.connectionString,
      fixtureSettings({ taskHub: uniqueHubName("BadInput") }),
    ));
    api = DurableApi.of(host);
  });
  afterAll(async () => {
    await host?.close();
    await azurite?.dispose();
    app?.dispose();
  });

  const post = (path: string, body?: string, contentType = "application/json"): Promise<Response> =>
    api.fetch(path, { method: "POST", headers: { "content-type": contentType }, body });

  it("answers 400 to malformed start requests with a message", async () => {
    const unknown = await api.start("noSuchOrchestrator");
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { Message: string }).Message).toContain("doesn't exist");
    expect((await api.start("sayHello")).status).toBe(400);
    const badJson = await post("orchestrators/sequence", "{not json");
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { Message: string }).Message).toContain("Invalid JSON");
    expect((await api.start("sequence", "x", "@reserved")).status).toBe(400);
    expect((await api.start("sequence", "x", "a".repeat(300))).status).toBe(400);
    expect((await post(`orchestrators/sequence/${encodeURIComponent("bad#id")}`)).status).toBe(400);
    expect((await api.fetch("orchestrators/sequence/%E0%A4%A", { method: "POST" })).status).toBe(400);
  });

  it("answers 400 to malformed events and queries", async () => {
    const id = await api.startId("waitForever");
    expect((await post(`instances/${id}/raiseEvent/Go`, '"text"', "text/plain")).status).toBe(400);
    expect((await post(`instances/${id}/raiseEvent/Go`, "{oops")).status).toBe(400);
    expect((await api.fetch("instances/?runtimeStatus=Bogus")).status).toBe(400);
    expect((await api.fetch("instances/?top=0")).status).toBe(400);
    expect((await api.fetch("instances/?createdTimeFrom=yesterday")).status).toBe(400);
    expect((await api.fetch(`instances/${id}?showHistory=maybe`)).status).toBe(400);
    expect((await api.fetch(`instances/${id}?taskHub=SomeOtherHub`)).status).toBe(400);
    const badToken = await api.fetch("instances/", {
      headers: { "x-ms-continuation-token": "not-a-token" },
    });
    expect(badToken.status).toBe(400);
    expect(await api.raise(id, "Go", "still fine")).toBe(202);
    expect((await api.waitFor(id)).output).toBe("still fine");
  });

  it("answers 404 for unknown instances and paths", async () => {
    expect((await api.status("no-such-instance")).status).toBe(404);
    expect(await api.raise("no-such-instance", "Go", 1)).toBe(404);
    expect(await api.terminate("no-such-instance", "x")).toBe(404);
    expect((await api.fetch("instances/no-such-instance", { method: "DELETE" })).status).toBe(404);
    expect((await api.fetch("nothing-here")).status).toBe(404);
    expect((await api.fetch("instances/x/unknownOperation", { method: "POST" })).status).toBe(404);
  });

  it("requires the system or master key on the webhook URLs", async () => {
    const webhook = `${host.url}/runtime/webhooks/durabletask/instances/`;
    expect((await fetch(webhook)).status).toBe(401);
    expect((await fetch(`${webhook}?code=wrong`)).status).toBe(401);
    expect((await fetch(`${webhook}?code=${encodeURIComponent(host.keys.durableSystemKey)}`)).status).toBe(200);
    expect((await fetch(webhook, { headers: { "x-functions-key": host.keys.masterKey } })).status).toBe(200);
  });

  it("reports a throwing orchestrator as Failed with its error and keeps serving", async () => {
    const id = await api.startId("throwingOrchestrator");
    const failed = await api.waitFor(id);
    expect(failed.runtimeStatus).toBe("Failed");
    expect(failed.output).toBe("Orchestrator function 'throwingOrchestrator' failed: orchestrator exploded");
    const failing = await api.fetch(`instances/${id}?returnInternalServerErrorOnFailure=true`);
    expect(failing.status).toBe(500);
    expect((await api.waitFor(await api.startId("sequence", "after"))).runtimeStatus).toBe("Completed");
  });

  it("reports an orchestration whose activity throws as Failed with the activity's error", async () => {
    const id = await api.startId("failingActivity");
    const failed = await api.waitFor(id);
    expect(failed.runtimeStatus).toBe("Failed");
    expect(String(failed.output)).toContain("Activity function 'alwaysFails' failed: activity exploded");
    expect(logs.some((l) => l.level === "error" && l.message.includes("activity exploded"))).toBe(true);
  });
});
