import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DevHost } from "../../../local/devhost/index.js";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";
import { buildFixtureApp } from "./support/build.js";
import { DurableApi, type Status } from "./support/durable-api.js";
import { fixtureSettings, startFixtureHost, uniqueHubName } from "./support/fixture-host.js";

const HISTORY = "?showHistory=true&showHistoryOutput=true";

function events(status: Status, type: string, functionName?: string): Record<string, unknown>[] {
  return (status.historyEvents ?? []).filter(
    (e) => e.EventType === type && (functionName === undefined || e.FunctionName === functionName),
  );
}

describe("devhost durable orchestrations (fixture app, state in Azurite)", () => {
  let azurite: TestAzurite;
  let app: ReturnType<typeof buildFixtureApp>;
  let host: DevHost;
  let api: DurableApi;

  beforeAll(async () => {
    azurite = await startTestAzurite();
    app = buildFixtureApp();
    ({ host } = await startFixtureHost(
      app.appRoot,
      azurite.connectionString,
      fixtureSettings({ taskHub: uniqueHubName("Durable") }),
    ));
    api = DurableApi.of(host);
  });
  afterAll(async () => {
    await host?.close();
    await azurite?.dispose();
    app?.dispose();
  });

  it("starts through the durableClient binding and answers with the extension's check-status links", async () => {
    const res = await fetch(`${host.url}/api/orchestrators/sequence`, { method: "POST", body: JSON.stringify("Ada") });
    expect(res.status).toBe(202);
    const links = (await res.json()) as Record<string, string>;
    expect(links.id).toMatch(/^[0-9a-f]{32}$/);
    expect(res.headers.get("location")).toBe(links.statusQueryGetUri);
    expect(links.statusQueryGetUri).toBe(
      `${host.url}/runtime/webhooks/durabletask/instances/${links.id}?taskHub=${host.taskHub}&connection=Storage&code=${encodeURIComponent(host.keys.durableSystemKey)}`,
    );
    const done = await api.waitFor(links.id!);
    expect(done).toMatchObject({
      name: "sequence",
      runtimeStatus: "Completed",
      input: "Ada",
      output: ["Hello Ada 1", "Hello Ada 2", "Hello Ada 3"],
    });
    const viaWebhook = await fetch(links.statusQueryGetUri!);
    expect(viaWebhook.status).toBe(200);
    expect(((await viaWebhook.json()) as Status).output).toEqual(done.output);
  });

  it("starts with a chosen instance id, refuses a duplicate while it runs, and allows a restart once it finished", async () => {
    const id = `dup-${Date.now()}`;
    expect((await fetch(`${host.url}/api/orchestrators/waitForever/${id}`, { method: "POST" })).status).toBe(202);
    const duplicate = await api.start("waitForever", undefined, id);
    expect(duplicate.status).toBe(409);
    const viaClient = await fetch(`${host.url}/api/orchestrators/waitForever/${id}`, { method: "POST" });
    expect(viaClient.status).toBe(409);
    expect(((await viaClient.json()) as { error: string }).error).toContain("already exists");
    expect(await api.raise(id, "Go", { round: 1 })).toBe(202);
    expect((await api.waitFor(id)).output).toEqual({ round: 1 });
    expect(await api.startId("waitForever", undefined, id)).toBe(id);
    await api.waitFor(id, ["Running"]);
    expect(await api.raise(id, "Go", { round: 2 })).toBe(202);
    expect((await api.waitFor(id)).output).toEqual({ round: 2 });
  });

  it("fans out with Task.all", async () => {
    const id = await api.startId("fanOut", 20);
    expect((await api.waitFor(id)).output).toBe(2 * ((20 * 21) / 2));
  });

  it("retries a failing activity (callActivityWithRetry) and records each attempt", async () => {
    const key = `retry-${Date.now()}`;
    const id = await api.startId("retrying", { key, failTimes: 2, maxAttempts: 4 });
    const status = await api.waitFor(id, undefined, HISTORY);
    expect(status.output).toEqual({ attempts: 3 });
    expect(events(status, "TaskFailed", "flaky")).toHaveLength(2);
    expect(events(status, "TaskCompleted", "flaky")).toHaveLength(1);
    expect(events(status, "TimerFired")).toHaveLength(2);
    const state = (await (await fetch(`${host.url}/api/fixture/state`)).json()) as {
      activityCalls: Record<string, number>;
    };
    expect(state.activityCalls[`flaky:${key}`]).toBe(3);
  });

  it("stops retrying after maxNumberOfAttempts and hands the last error to the orchestrator", async () => {
    const key = `exhaust-${Date.now()}`;
    const id = await api.startId("retrying", { key, failTimes: 10, maxAttempts: 3 });
    const status = await api.waitFor(id, undefined, HISTORY);
    expect(status.output).toMatchObject({ failed: true });
    expect((status.output as { message: string }).message).toContain(`flaky failure 3 of ${key}`);
    expect(events(status, "TaskFailed", "flaky")).toHaveLength(3);
    const state = (await (await fetch(`${host.url}/api/fixture/state`)).json()) as {
      activityCalls: Record<string, number>;
    };
    expect(state.activityCalls[`flaky:${key}`]).toBe(3);
  });

  it("races an external event against a durable timer: the event wins, the timer is cancelled, custom status follows", async () => {
    const id = await api.startId("approval", { timeoutSeconds: 600 });
    const waiting = await api.waitFor(id, ["Running"]);
    await expect.poll(async () => (await api.status(id)).body?.customStatus).toEqual({ stage: "waiting" });
    expect(waiting.runtimeStatus).toBe("Running");
    expect(await api.raise(id, "Approval", { by: "alice" })).toBe(202);
    const done = await api.waitFor(id, undefined, HISTORY);
    expect(done.output).toEqual({ approved: { by: "alice" } });
    expect(done.customStatus).toEqual({ stage: "approved" });
    expect(events(done, "TimerCreated")).toHaveLength(1);
    expect(events(done, "TimerFired")).toHaveLength(0);
    expect(events(done, "EventRaised")).toHaveLength(1);
  });

  it("lets the timer win when no event comes", async () => {
    const id = await api.startId("approval", { timeoutSeconds: 1 });
    const done = await api.waitFor(id, undefined, HISTORY);
    expect(done.output).toEqual({ timedOut: true });
    expect(done.customStatus).toEqual({ stage: "timed out" });
    expect(events(done, "TimerFired")).toHaveLength(1);
  });

  it("fires durable timers on the wall clock: the orchestrator resumes no earlier than the timer's due time", async () => {
    const id = await api.startId("timerOnly", { milliseconds: 1500 });
    const done = await api.waitFor(id);
    const { started, resumed } = done.output as { started: string; resumed: string };
    expect(Date.parse(resumed) - Date.parse(started)).toBeGreaterThanOrEqual(1500);
  });

  it("buffers events raised before the orchestrator waits for them and delivers them by name", async () => {
    const id = await api.startId("eventOrder");
    expect(await api.raise(id, "C", "third")).toBe(202);
    expect(await api.raise(id, "A", "first")).toBe(202);
    expect(await api.raise(id, "B", "second")).toBe(202);
    expect((await api.waitFor(id)).output).toEqual(["first", "second", "third"]);
  });

  it("runs sub-orchestrations (generated and chosen instance ids) and reports child failures to the parent", async () => {
    const id = await api.startId("parent", 5);
    expect((await api.waitFor(id)).output).toEqual({ first: 10, second: 12, secondParent: id });
    const named = await api.status(`${id}-named-child`);
    expect(named.body).toMatchObject({ runtimeStatus: "Completed", name: "child", input: 6 });
    const failing = await api.startId("failingChildParent");
    const caught = (await api.waitFor(failing)).output as { caught: string };
    expect(caught.caught).toContain("orchestrator exploded");
  });

  it("continues as new with a fresh history until the orchestrator returns", async () => {
    const id = await api.startId("counter", 0);
    const done = await api.waitFor(id, undefined, HISTORY);
    expect(done.output).toEqual({ n: 3, doubled: 6 });
    expect(done.input).toBe(3);
    expect(events(done, "ExecutionStarted")).toHaveLength(1);
  });

  it("terminates a running instance; later events and terminations answer 410", async () => {
    const id = await api.startId("waitForever");
    await api.waitFor(id, ["Running"]);
    expect(await api.terminate(id, "stopped")).toBe(202);
    const done = await api.waitFor(id);
    expect(done).toMatchObject({ runtimeStatus: "Terminated", output: "stopped", customStatus: "waiting for Go" });
    expect(await api.raise(id, "Go", 1)).toBe(410);
    expect(await api.terminate(id, "again")).toBe(410);
  });

  it("serves durable-functions' DurableClient: status with history, raise event, list by status, terminate, purge", async () => {
    const id = await api.startId("waitForever", { hello: "input" });
    await api.waitFor(id, ["Running"]);
    const status = (await (await fetch(`${host.url}/api/client/status/${id}`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({
      instanceId: id,
      name: "waitForever",
      runtimeStatus: "Running",
      input: { hello: "input" },
      customStatus: "waiting for Go",
    });
    const running = (await (await fetch(`${host.url}/api/client/list?status=Running,Pending`)).json()) as {
      instanceId: string;
    }[];
    expect(running.map((s) => s.instanceId)).toContain(id);
    const raised = await fetch(`${host.url}/api/client/raise/${id}/Go`, {
      method: "POST",
      body: JSON.stringify("via client"),
    });
    expect(raised.status).toBe(202);
    expect((await api.waitFor(id)).output).toBe("via client");
    const completed = (await (await fetch(`${host.url}/api/client/list?status=Completed`)).json()) as {
      instanceId: string;
      runtimeStatus: string;
    }[];
    expect(completed.find((s) => s.instanceId === id)?.runtimeStatus).toBe("Completed");
    const purged = (await (await fetch(`${host.url}/api/client/purge/${id}`, { method: "DELETE" })).json()) as {
      instancesDeleted: number;
    };
    expect(purged.instancesDeleted).toBe(1);
    expect((await api.status(id)).status).toBe(404);

    const other = await api.startId("waitForever");
    await api.waitFor(other, ["Running"]);
    expect((await fetch(`${host.url}/api/client/terminate/${other}`, { method: "POST" })).status).toBe(202);
    expect((await api.waitFor(other)).output).toBe("stopped by test");
  });

  it("lists instances with status filters and continuation tokens", async () => {
    const prefix = `page-${Date.now()}-`;
    for (let i = 0; i < 3; i++) await api.startId("sequence", `p${i}`, `${prefix}${i}`);
    for (let i = 0; i < 3; i++) await api.waitFor(`${prefix}${i}`);
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const res: Response = await api.fetch(`instances/?runtimeStatus=Completed&instanceIdPrefix=${prefix}&top=1`, {
        headers: token ? { "x-ms-continuation-token": token } : {},
      });
      expect(res.status).toBe(200);
      const page = (await res.json()) as Status[];
      seen.push(...page.map((s) => s.instanceId));
      token = res.headers.get("x-ms-continuation-token");
      pages++;
    } while (token && pages < 10);
    expect(seen.sort()).toEqual([0, 1, 2].map((i) => `${prefix}${i}`));
    expect(pages).toBeGreaterThanOrEqual(3);
    const none = await api.fetch(`instances/?runtimeStatus=Terminated&instanceIdPrefix=${prefix}`);
    expect(await none.json()).toEqual([]);
  });

  it("purges finished instances by id and by filter, and refuses to purge a running one", async () => {
    const done = await api.startId("sequence", "purge");
    await api.waitFor(done);
    const deleted = await api.fetch(`instances/${done}`, { method: "DELETE" });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ instancesDeleted: 1 });
    expect((await api.fetch(`instances/${done}`, { method: "DELETE" })).status).toBe(404);

    const running = await api.startId("waitForever");
    await api.waitFor(running, ["Running"]);
    expect((await api.fetch(`instances/${running}`, { method: "DELETE" })).status).toBe(409);
    await api.terminate(running, "cleanup");
    await api.waitFor(running);
    const byFilter = await api.fetch(`instances/?runtimeStatus=Terminated`, { method: "DELETE" });
    expect(byFilter.status).toBe(200);
    expect(((await byFilter.json()) as { instancesDeleted: number }).instancesDeleted).toBeGreaterThanOrEqual(1);
    expect((await api.status(running)).status).toBe(404);
  });
});
