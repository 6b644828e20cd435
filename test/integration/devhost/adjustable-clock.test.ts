import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevHost, type DevHost } from "../../../local/devhost/index.js";
import { parseSchedule } from "../../../local/devhost/timers/schedule.js";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";
import { advanceHostClock, readHostClock } from "../../support/host-clock.js";
import { buildDevHostCli, buildFixtureApp } from "./support/build.js";
import { DurableApi, type Status } from "./support/durable-api.js";
import { eventually, fixtureSettings, startFixtureHost, uniqueHubName } from "./support/fixture-host.js";
import { spawnHostProcess } from "./support/host-process.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** How long a timer made due by an advance may take to be seen fired (bounded polls; no sleeping through the wait). */
const PROMPTLY_MS = 5_000;

interface TimerRun {
  name: string;
  isPastDue: boolean;
  last: string;
  next: string;
  at: string;
}

const HISTORY = "?showHistory=true";
const timersCreated = (status: Status | undefined): number =>
  (status?.historyEvents ?? []).filter((e) => e.EventType === "TimerCreated").length;

/**
 * The devhost's adjustable clock (DEVHOST_ADJUSTABLE_CLOCK / `adjustableClock`): moving it forward through
 * `POST /admin/host/clock` makes durable timers and timer triggers that are now due fire at once, orchestrations see
 * the later time, and the route exists only when the clock is adjustable.
 */
describe("devhost adjustable clock", () => {
  let azurite: TestAzurite;
  let app: ReturnType<typeof buildFixtureApp>;

  beforeAll(async () => {
    azurite = await startTestAzurite();
    app = buildFixtureApp();
  });
  afterAll(async () => {
    await azurite?.dispose();
    app?.dispose();
  });

  const clockCall = (
    host: DevHost,
    init: RequestInit = {},
    key: string | null = host.keys.masterKey,
  ): Promise<Response> =>
    fetch(`${host.url}/admin/host/clock`, {
      ...init,
      headers: { "content-type": "application/json", ...(key ? { "x-functions-key": key } : {}) },
    });

  describe("when adjustable", () => {
    let host: DevHost;
    let api: DurableApi;

    beforeAll(async () => {
      const logs: unknown[] = [];
      host = await startDevHost({
        appRoot: app.appRoot,
        port: 0,
        storageConnectionString: azurite.connectionString,
        settings: fixtureSettings({ taskHub: uniqueHubName("Clock") }),
        logSinks: [(entry) => logs.push(entry)],
        adjustableClock: true,
      });
      api = DurableApi.of(host);
    });
    afterAll(async () => host?.close());

    it("completes an orchestration waiting on a 2-day durable timer promptly once the clock moves 2 days", async () => {
      expect(host.adjustableClock).toBe(true);
      const before = await readHostClock(host);
      const id = await api.startId("timerOnly", { milliseconds: 2 * DAY_MS });
      const waiting = await eventually(async () => {
        const { body } = await api.status(id, HISTORY);
        return body?.runtimeStatus === "Running" && timersCreated(body) === 1 ? body : undefined;
      }, "timerOnly to wait on its timer");
      const fireAt = Date.parse(String(waiting.historyEvents!.find((e) => e.EventType === "TimerCreated")!.FireAt));
      expect(fireAt - Date.parse(before.now)).toBeGreaterThanOrEqual(2 * DAY_MS);

      // A day is not enough: the timer waits for what is left, it does not fire on any advance.
      await advanceHostClock(host, DAY_MS);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await api.status(id)).body?.runtimeStatus).toBe("Running");

      const advanced = await advanceHostClock(host, DAY_MS);
      expect(advanced.offsetMs).toBe(before.offsetMs + 2 * DAY_MS);
      const done = await api.waitFor(id, undefined, "", PROMPTLY_MS);
      expect(done.runtimeStatus).toBe("Completed");
      const output = done.output as { started: string; resumed: string };
      // context.df.currentUtcDateTime followed the host clock: the orchestration resumed two days after it started.
      expect(Date.parse(output.resumed) - Date.parse(output.started)).toBeGreaterThanOrEqual(2 * DAY_MS);
      expect(Date.parse(output.resumed)).toBeGreaterThanOrEqual(fireAt);
      // The status times are on the host clock too.
      expect(Date.parse(done.lastUpdatedTime) - Date.parse(done.createdTime)).toBeGreaterThanOrEqual(2 * DAY_MS);
      expect(Date.parse(done.lastUpdatedTime)).toBeGreaterThan(Date.now() + 2 * DAY_MS - 60_000);
    });

    it("runs a timer trigger once its next occurrence is due on the advanced clock, with that time in its status", async () => {
      const runs = async (): Promise<TimerRun[]> =>
        ((await (await fetch(`${host.url}/api/fixture/state`)).json()) as { timerRuns: TimerRun[] }).timerRuns.filter(
          (r) => r.name === "manualOnly",
        );
      // manualOnly is yearly (0 0 0 1 1 *, armed at start, no runOnStartup): move the clock to just before its next
      // occurrence, see nothing, then past it.
      const before = (await runs()).length;
      const reading = await readHostClock(host);
      const due = parseSchedule("0 0 0 1 1 *").next(new Date(reading.now)).getTime();
      await advanceHostClock(host, due - Date.parse(reading.now) - 5_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await runs()).length).toBe(before);
      await advanceHostClock(host, 6_000);
      const run = await eventually(
        async () => ((await runs()).length > before ? (await runs()).at(-1) : undefined),
        "manualOnly after the advance",
        PROMPTLY_MS,
      );
      expect(run.isPastDue).toBe(false);
      // Last/Next are on the host clock: the run happened at (just after) the occurrence, the next is a year on.
      expect(Date.parse(run.last)).toBeGreaterThanOrEqual(due);
      expect(Date.parse(run.last) - due).toBeLessThan(60_000);
      expect(run.next).toBe(parseSchedule("0 0 0 1 1 *").next(new Date(run.last)).toISOString());
      // One run for the occurrence made due, not one per advance.
      await advanceHostClock(host, 1_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await runs()).length).toBe(before + 1);
    });

    it("reads the clock (GET) and refuses bad bodies with 400 and a clear message, never moving backward", async () => {
      const start = await readHostClock(host);
      expect(start.adjustable).toBe(true);
      expect(Date.parse(start.now) - Date.now()).toBeGreaterThanOrEqual(start.offsetMs - 5_000);
      const bad: Array<[string, RegExp]> = [
        ["not json", /not valid JSON/],
        ["", /empty/],
        ["[1000]", /JSON object/],
        ["{}", /"advanceMs" must be a positive integer/],
        [JSON.stringify({ advanceMs: 0 }), /never goes backward/],
        [JSON.stringify({ advanceMs: -DAY_MS }), /never goes backward/],
        [JSON.stringify({ advanceMs: 1.5 }), /positive integer/],
        [JSON.stringify({ advanceMs: "1000" }), /positive integer/],
        [JSON.stringify({ advanceMs: 1000, offsetMs: 0 }), /unknown field\(s\) offsetMs/],
        [JSON.stringify({ advanceMs: 1e300 }), /positive integer/],
      ];
      for (const [body, message] of bad) {
        const res = await clockCall(host, { method: "POST", body });
        expect(res.status, body).toBe(400);
        expect(((await res.json()) as { error: string }).error, body).toMatch(message);
      }
      expect((await readHostClock(host)).offsetMs).toBe(start.offsetMs);
      expect((await clockCall(host, { method: "DELETE" })).status).toBe(405);

      const first = await advanceHostClock(host, 1_000);
      const second = await advanceHostClock(host, 1);
      expect(first.offsetMs).toBe(start.offsetMs + 1_000);
      expect(second.offsetMs).toBe(start.offsetMs + 1_001);
      expect(Date.parse(second.now)).toBeGreaterThanOrEqual(Date.parse(first.now));
    });

    it("requires the master key (401 without a key and with the function key)", async () => {
      const body = JSON.stringify({ advanceMs: DAY_MS });
      const { offsetMs } = await readHostClock(host);
      expect((await clockCall(host, { method: "POST", body }, null)).status).toBe(401);
      expect((await clockCall(host, { method: "POST", body }, host.keys.functionKey)).status).toBe(401);
      expect((await clockCall(host, {}, null)).status).toBe(401);
      expect((await readHostClock(host)).offsetMs).toBe(offsetMs);
    });
  });

  describe("when not adjustable", () => {
    it("has no clock route (404 for the master key, 401 without it) and keeps the real time", async () => {
      const previous = process.env.DEVHOST_ADJUSTABLE_CLOCK;
      delete process.env.DEVHOST_ADJUSTABLE_CLOCK;
      const { host } = await startFixtureHost(
        app.appRoot,
        azurite.connectionString,
        fixtureSettings({ taskHub: uniqueHubName("NoClock") }),
      ).finally(() => {
        if (previous !== undefined) process.env.DEVHOST_ADJUSTABLE_CLOCK = previous;
      });
      try {
        expect(host.adjustableClock).toBe(false);
        expect((await clockCall(host, { method: "POST", body: JSON.stringify({ advanceMs: DAY_MS }) })).status).toBe(
          404,
        );
        expect((await clockCall(host)).status).toBe(404);
        expect((await clockCall(host, { method: "POST", body: "{}" }, null)).status).toBe(401);
        // Durable time is the real time: a started instance's createdTime is now, not a day ahead.
        const api = DurableApi.of(host);
        const id = await api.startId("timerOnly", { milliseconds: 1 });
        const done = await api.waitFor(id);
        expect(Math.abs(Date.parse(done.createdTime) - Date.now())).toBeLessThan(60_000);
      } finally {
        await host.close();
      }
    });

    it("does not start with a DEVHOST_ADJUSTABLE_CLOCK value it does not know", async () => {
      const previous = process.env.DEVHOST_ADJUSTABLE_CLOCK;
      process.env.DEVHOST_ADJUSTABLE_CLOCK = "yes";
      try {
        await expect(
          startFixtureHost(app.appRoot, azurite.connectionString, fixtureSettings({ taskHub: uniqueHubName("Typo") })),
        ).rejects.toMatchObject({ code: "CLOCK_SETTING_INVALID" });
      } finally {
        if (previous === undefined) delete process.env.DEVHOST_ADJUSTABLE_CLOCK;
        else process.env.DEVHOST_ADJUSTABLE_CLOCK = previous;
      }
    });
  });

  describe("as a process of its own (main.js)", () => {
    it("is adjustable with DEVHOST_ADJUSTABLE_CLOCK=1 in its environment, and an advance fires its durable timer", async () => {
      const cli = buildDevHostCli();
      const previous = process.env.DEVHOST_ADJUSTABLE_CLOCK;
      // spawn hands the child this process's environment as it is at the call.
      process.env.DEVHOST_ADJUSTABLE_CLOCK = "1";
      const host = await spawnHostProcess(cli.mainJs, [
        "--app-root",
        app.appRoot,
        "--storage",
        azurite.connectionString,
        "--port",
        "0",
        "--setting",
        `FIXTURE_TASK_HUB=${uniqueHubName("ClockProc")}`,
        "--setting",
        "FIXTURE_TICK_SCHEDULE=0 0 0 1 1 *",
      ]).finally(() => {
        if (previous === undefined) delete process.env.DEVHOST_ADJUSTABLE_CLOCK;
        else process.env.DEVHOST_ADJUSTABLE_CLOCK = previous;
      });
      try {
        const api = DurableApi.of(host);
        const id = await api.startId("timerOnly", { milliseconds: 3 * DAY_MS });
        await eventually(async () => {
          const { body } = await api.status(id, HISTORY);
          return timersCreated(body) === 1 ? body : undefined;
        }, "timerOnly to wait on its timer");
        expect((await readHostClock(host)).adjustable).toBe(true);
        await advanceHostClock(host, 3 * DAY_MS);
        expect((await api.waitFor(id, undefined, "", PROMPTLY_MS)).runtimeStatus).toBe("Completed");
      } finally {
        host.child.kill("SIGTERM");
        await host.exited;
        cli.dispose();
      }
    });
  });
});
