import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventType } from "../../../local/devhost/durable/replay/history.js";
import { DurableStore } from "../../../local/devhost/durable/store/table-store.js";
import type { DevHost } from "../../../local/devhost/index.js";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";
import { freshTempDir } from "../../support/paths.js";
import { buildFixtureApp } from "./support/build.js";
import { DurableApi } from "./support/durable-api.js";
import { fixtureSettings, startFixtureHost, uniqueHubName } from "./support/fixture-host.js";

const TERMINAL = ["Completed", "Failed", "Terminated"];
const SETTLE_MS = 500;

/**
 * The real Durable host runs an activity once per TaskScheduled event (at least once across crashes, but never again
 * within one process because an event arrived). These tests raise external events while activities complete, the
 * situation in which the devhost used to run a finished activity a second time, and count executions through a side
 * channel (the countedWork activity appends a line per execution) against the TaskScheduled events in history.
 */
describe("devhost dispatches each activity once per TaskScheduled, also while events arrive", () => {
  let azurite: TestAzurite;
  let app: ReturnType<typeof buildFixtureApp>;
  let host: DevHost;
  let api: DurableApi;
  let executionLog: string;
  let store: DurableStore;

  beforeAll(async () => {
    azurite = await startTestAzurite();
    app = buildFixtureApp();
    executionLog = join(freshTempDir("devhost-dispatch"), "executions.jsonl");
    writeFileSync(executionLog, "");
    ({ host } = await startFixtureHost(
      app.appRoot,
      azurite.connectionString,
      fixtureSettings({ taskHub: uniqueHubName("Dispatch"), extra: { FIXTURE_EXECUTION_LOG: executionLog } }),
    ));
    api = DurableApi.of(host);
    // The extension's status API folds TaskScheduled into the completion events, so read the stored history itself.
    store = await DurableStore.open(azurite.connectionString, host.taskHub);
  });
  afterAll(async () => {
    await host?.close();
    await azurite?.dispose();
    app?.dispose();
  });

  /** Executions of countedWork per instance and key, read from the side channel. */
  function executions(): Map<string, Map<string, number>> {
    const counts = new Map<string, Map<string, number>>();
    for (const line of readFileSync(executionLog, "utf8").split("\n").filter(Boolean)) {
      const { instanceId, key } = JSON.parse(line) as { instanceId: string; key: string };
      const perKey = counts.get(instanceId) ?? new Map<string, number>();
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
      counts.set(instanceId, perKey);
    }
    return counts;
  }

  /** TaskScheduled events for countedWork in the instance's stored history. */
  async function scheduledCountedWork(instanceId: string): Promise<number> {
    const record = await store.getInstance(instanceId);
    if (!record) throw new Error(`no instance ${instanceId}`);
    const { rows } = await store.history.load(instanceId, record.executionId);
    return rows.filter((r) => r.event.EventType === EventType.TaskScheduled && r.event.Name === "countedWork").length;
  }

  /** Each instance ran countedWork exactly as often as history scheduled it, and every key exactly once. */
  async function expectExactlyOnce(ids: string[], expectedPerInstance: number): Promise<void> {
    const statuses = await Promise.all(ids.map((id) => api.waitFor(id, TERMINAL)));
    expect(statuses.map((s) => s.runtimeStatus)).toEqual(ids.map(() => "Completed"));
    // A repeated dispatch may still be starting when the instance completes: give it time to show in the log.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const counts = executions();
    const report: Record<string, { scheduled: number; executed: number; repeatedKeys: string[] }> = {};
    for (const id of ids) {
      const perKey = counts.get(id) ?? new Map<string, number>();
      report[id] = {
        scheduled: await scheduledCountedWork(id),
        executed: [...perKey.values()].reduce((a, b) => a + b, 0),
        repeatedKeys: [...perKey].filter(([, n]) => n !== 1).map(([key, n]) => `${key}×${n}`),
      };
    }
    const expected = Object.fromEntries(
      ids.map((id) => [id, { scheduled: expectedPerInstance, executed: expectedPerInstance, repeatedKeys: [] }]),
    );
    expect(report).toEqual(expected);
  }

  it("two approvals at once: the release runs once per image (8 images)", async () => {
    const ids = await Promise.all(
      Array.from({ length: 8 }, (_v, i) =>
        api.startId("approveThenRelease", { delayMs: 0 }, `approve-${i}-${Date.now()}`),
      ),
    );
    await Promise.all(ids.map((id) => api.waitFor(id, ["Running"])));
    await Promise.all(
      ids.flatMap((id) => [api.raise(id, "Approval", { by: "ada" }), api.raise(id, "Approval", { by: "grace" })]),
    );
    await expectExactlyOnce(ids, 1);
  });

  it("a stream of events while a fan-out of activities completes: every activity runs once", async () => {
    const count = 12;
    const ids = await Promise.all(
      Array.from({ length: 4 }, (_v, i) =>
        api.startId("fanOutUnderEvents", { count, delayMs: 15 }, `fanout-${i}-${Date.now()}`),
      ),
    );
    // Keep raising events at every instance until it finishes (410 once it has): each one makes an episode run while
    // activities keep completing.
    await Promise.all(
      ids.map(async (id) => {
        for (let n = 0; n < 2_000; n++) {
          const status = await api.raise(id, "Noise", { n });
          if (status === 410) return;
          expect(status).toBe(202);
        }
        throw new Error(`${id} did not finish while events were raised`);
      }),
    );
    await expectExactlyOnce(ids, count);
    for (const id of ids) expect((await api.waitFor(id)).output).toBe(count);
  });
});
