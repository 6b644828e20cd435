import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config.js";
import { reevaluationConfig, reevaluationTimerSchedule } from "../../../src/config-reevaluation.js";

const DIGEST = "sha256:" + "c".repeat(64);

describe("re-evaluation settings", () => {
  it("defaults: every 6 hours, nothing listed as in use, 4 at once, 4 reads an image", () => {
    expect(reevaluationConfig({})).toEqual({
      schedule: "0 0 */6 * * *",
      inUse: [],
      maxConcurrency: 4,
      readsPerImage: 4,
      rescanDeadlineMs: 300_000,
      table: undefined,
    });
    expect(reevaluationTimerSchedule({})).toBe("0 0 */6 * * *");
    expect(reevaluationTimerSchedule({ REEVALUATE_SCHEDULE: "0 0 * * * *" })).toBe("%REEVALUATE_SCHEDULE%");
  });

  it("the longest re-scan deadline fits inside host.json's functionTimeout, with a minute to judge and store", () => {
    const host = JSON.parse(readFileSync(join(import.meta.dirname, "../../../host.json"), "utf8")) as {
      functionTimeout: string;
    };
    const [h, m, sec] = host.functionTimeout.split(":").map(Number) as [number, number, number];
    const timeoutMs = ((h * 60 + m) * 60 + sec) * 1000;
    const longest = reevaluationConfig({ REEVALUATE_RESCAN_DEADLINE_SECONDS: "540" }).rescanDeadlineMs;
    expect(longest + 60_000).toBeLessThanOrEqual(timeoutMs);
  });

  it("by default, waiting re-scans hold less than half of host.json's activity slots", () => {
    const host = JSON.parse(readFileSync(join(import.meta.dirname, "../../../host.json"), "utf8")) as {
      extensions: { durableTask: { maxConcurrentActivityFunctions: number } };
    };
    const slots = host.extensions.durableTask.maxConcurrentActivityFunctions;
    expect(reevaluationConfig({}).maxConcurrency).toBeLessThan(slots / 2);
  });

  it("reads the in-use list", () => {
    const config = reevaluationConfig({
      REEVALUATE_IN_USE_IMAGES: `gate.azurecr.io/team/api@${DIGEST}, gate.azurecr.io/b@${DIGEST}`,
    });
    expect(config.inUse).toEqual([
      { loginServer: "gate.azurecr.io", repository: "team/api", digest: DIGEST },
      { loginServer: "gate.azurecr.io", repository: "b", digest: DIGEST },
    ]);
  });

  it.each([
    [{ REEVALUATE_SCHEDULE: "0 */6 * * *" }, /six-field NCRONTAB/],
    [{ REEVALUATE_SCHEDULE: "0 0 25 * * *" }, /not a valid NCRONTAB/],
    [{ REEVALUATE_IN_USE_IMAGES: "team/api:latest" }, /not loginServer\/repository@digest/],
    [{ REEVALUATE_MAX_CONCURRENCY: "0" }, /REEVALUATE_MAX_CONCURRENCY must be a whole number from 1 to 64/],
    [{ REEVALUATE_READS_PER_IMAGE: "2.5" }, /REEVALUATE_READS_PER_IMAGE/],
    [{ REEVALUATE_TABLE: "no-dashes" }, /REEVALUATE_TABLE/],
    // The re-scan waits inside one activity, which functionTimeout (host.json, 10 minutes) would stop.
    [
      { REEVALUATE_RESCAN_DEADLINE_SECONDS: "541" },
      /REEVALUATE_RESCAN_DEADLINE_SECONDS must be a whole number from 10 to 540/,
    ],
  ])("refuses %j with a ConfigError naming the setting", (env, message) => {
    expect(() => reevaluationConfig(env)).toThrow(ConfigError);
    expect(() => reevaluationConfig(env)).toThrow(message);
  });
});
