import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";
import { freshTempDir } from "../../support/paths.js";
import { buildDevHostCli, buildFixtureApp } from "./support/build.js";
import { DurableApi, type Status } from "./support/durable-api.js";
import { eventually, uniqueHubName } from "./support/fixture-host.js";
import { spawnHostProcess, type HostProcess } from "./support/host-process.js";

/**
 * Kills the host process with SIGKILL while orchestrations wait on durable timers, on external events and in the middle
 * of activity fan-outs, starts a new host process on the same Azurite, and checks that every instance completes exactly
 * once with the right output.
 */
describe("devhost crash recovery (SIGKILL, restart from Azurite)", () => {
  let azurite: TestAzurite;
  let app: ReturnType<typeof buildFixtureApp>;
  let cli: ReturnType<typeof buildDevHostCli>;
  let workDir: string;
  let logFile: string;
  let hosts: HostProcess[] = [];
  const taskHub = uniqueHubName("Crash");

  const startHost = async (): Promise<HostProcess> => {
    const host = await spawnHostProcess(cli.mainJs, [
      "--app-root",
      app.appRoot,
      "--storage",
      azurite.connectionString,
      "--port",
      "0",
      "--setting",
      `FIXTURE_TASK_HUB=${taskHub}`,
      "--setting",
      `FIXTURE_LOG_FILE=${logFile}`,
      "--setting",
      "FIXTURE_TICK_SCHEDULE=0 0 0 1 1 *",
    ]);
    hosts.push(host);
    return host;
  };

  beforeAll(async () => {
    azurite = await startTestAzurite();
    app = buildFixtureApp();
    cli = buildDevHostCli();
    workDir = freshTempDir("devhost-crash");
    logFile = join(workDir, "completions.jsonl");
    writeFileSync(logFile, "");
  });
  afterAll(async () => {
    for (const host of hosts) {
      host.child.kill("SIGKILL");
      await host.exited;
    }
    hosts = [];
    await azurite?.dispose();
    app?.dispose();
    cli?.dispose();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it("resumes every instance from its history and completes each exactly once", async () => {
    const first = await startHost();
    let api = DurableApi.of(first);

    const timerPending = await Promise.all(
      [0, 1, 2].map((i) => api.startId("crashProbe", { label: `slow${i}`, waitMs: 4_000 }, `crash-slow-${i}`)),
    );
    const eventPending = await Promise.all(
      [0, 1, 2].map((i) => api.startId("crashProbe", { label: `fast${i}`, waitMs: 100 }, `crash-fast-${i}`)),
    );
    const approval = await api.startId("approval", { timeoutSeconds: 600 }, "crash-approval");
    const ordered = await api.startId("eventOrder", undefined, "crash-order");
    const timerOnly = await api.startId("timerOnly", { milliseconds: 3_000 }, "crash-timer");
    for (const id of eventPending) {
      await eventually(
        async () => ((await api.status(id)).body?.customStatus === "waiting for Continue" ? true : undefined),
        `${id} waiting for its event`,
      );
    }
    await api.waitFor(approval, ["Running"]);
    expect(await api.raise(ordered, "A", "a-before-crash")).toBe(202);
    const fanOuts = await Promise.all([0, 1].map((i) => api.startId("fanOut", 40, `crash-fanout-${i}`)));
    for (const id of timerPending) {
      // Their 4-second durable timers are still pending when the host dies.
      expect((await api.status(id)).body).toMatchObject({ runtimeStatus: "Running", customStatus: null });
    }

    first.child.kill("SIGKILL");
    await first.exited;
    expect(first.child.signalCode).toBe("SIGKILL");

    const second = await startHost();
    api = DurableApi.of(second);
    const resumed = /Resumed (\d+) orchestration instance/.exec(second.output());
    expect(Number(resumed?.[1])).toBeGreaterThanOrEqual(timerPending.length + eventPending.length + 3);
    for (const id of [...timerPending, ...eventPending]) {
      expect((await api.status(id)).body?.runtimeStatus).toBe("Running");
    }
    await Promise.all(
      [...timerPending, ...eventPending].map((id) =>
        eventually(
          async () => ((await api.status(id)).body?.customStatus === "waiting for Continue" ? true : undefined),
          `${id} waiting after restart`,
          30_000,
        ),
      ),
    );
    for (const id of [...timerPending, ...eventPending]) expect(await api.raise(id, "Continue", { for: id })).toBe(202);
    expect(await api.raise(approval, "Approval", "yes")).toBe(202);
    expect(await api.raise(ordered, "B", "b-after")).toBe(202);
    expect(await api.raise(ordered, "C", "c-after")).toBe(202);

    const results = new Map<string, Status>();
    for (const id of [...timerPending, ...eventPending, approval, ordered, timerOnly, ...fanOuts]) {
      results.set(id, await api.waitFor(id, undefined, "?showHistory=true", 60_000));
    }
    [...timerPending, ...eventPending].forEach((id, index) => {
      const label = index < 3 ? `slow${index}` : `fast${index - 3}`;
      expect(results.get(id)).toMatchObject({
        runtimeStatus: "Completed",
        output: { greeting: `Hello ${label}`, event: { for: id } },
      });
    });
    expect(results.get(approval)?.output).toEqual({ approved: "yes" });
    expect(results.get(ordered)?.output).toEqual(["a-before-crash", "b-after", "c-after"]);
    expect(results.get(timerOnly)?.runtimeStatus).toBe("Completed");
    for (const id of fanOuts) expect(results.get(id)?.output).toBe(2 * ((40 * 41) / 2));
    for (const [id, status] of results) {
      const completions = (status.historyEvents ?? []).filter((e) => e.EventType === "ExecutionCompleted");
      expect(completions, `ExecutionCompleted events of ${id}`).toHaveLength(1);
    }

    const recorded = readFileSync(logFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { instanceId: string }).instanceId);
    expect(recorded.sort()).toEqual([...timerPending, ...eventPending].sort());
  });
});
