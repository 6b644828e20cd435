import { describe, expect, it } from "vitest";
import { classify, type SweepRules } from "../../../src/sweep/classify.js";
import type { PipelineView } from "../../../src/sweep/pipeline-view.js";

const NOW = new Date("2026-03-01T12:00:00Z");
const HOUR = 3_600_000;
const RULES: SweepRules = { staleAfterMs: 6 * HOUR, maxQuarantineAgeMs: 14 * 24 * HOUR, expireInQuarantine: true };
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const pending = (pushedAgo: number) => ({ status: "pending" as const, createdTime: ago(pushedAgo) });
const pipeline = (runtimeStatus: string, createdAgo: number, stage = "scanning"): PipelineView => ({
  instanceId: "qp-1",
  runtimeStatus,
  createdTime: ago(createdAgo),
  stage,
  updatedAt: ago(createdAgo),
  outcome: undefined,
});

describe("classify: what the sweep does about one manifest", () => {
  it("leaves decided manifests alone", () => {
    expect(classify({ status: "released", createdTime: ago(100 * 24 * HOUR) }, undefined, RULES, NOW)).toEqual({
      kind: "released",
    });
    expect(
      classify({ status: "failed", createdTime: ago(100 * 24 * HOUR) }, pipeline("Running", HOUR), RULES, NOW),
    ).toEqual({ kind: "failed" });
  });

  it("starts a pipeline the webhook missed, and restarts one that ended unsuccessfully", () => {
    expect(classify(pending(HOUR), undefined, RULES, NOW)).toEqual({ kind: "start" });
    for (const status of ["Failed", "Terminated", "Canceled"]) {
      expect(classify(pending(HOUR), pipeline(status, HOUR), RULES, NOW).kind).toBe("restart");
    }
  });

  it("flags a live pipeline older than STALE_AFTER with its stage; younger ones are in progress", () => {
    const stale = classify(pending(7 * HOUR), pipeline("Running", 7 * HOUR, "awaiting-approval"), RULES, NOW);
    expect(stale).toMatchObject({ kind: "stale", pipelineAgeMs: 7 * HOUR, pipeline: { stage: "awaiting-approval" } });
    expect(classify(pending(HOUR), pipeline("Pending", HOUR), RULES, NOW)).toMatchObject({
      kind: "in-progress",
      pipelineAgeMs: HOUR,
    });
    // The pipeline's age counts, not the image's: a restarted pipeline is not stale at once.
    expect(classify(pending(10 * HOUR), pipeline("Running", HOUR), RULES, NOW).kind).toBe("in-progress");
  });

  it("reports a completed pipeline that left the image pending (shadow mode, stay-quarantined)", () => {
    expect(classify(pending(HOUR), pipeline("Completed", HOUR, "done"), RULES, NOW).kind).toBe("ended-pending");
  });

  it("expires an image pending longer than MAX_QUARANTINE_AGE only when the setting says so, ending a live pipeline", () => {
    const old = pending(15 * 24 * HOUR);
    const live = pipeline("Running", 15 * 24 * HOUR, "awaiting-approval");
    expect(classify(old, live, RULES, NOW)).toEqual({
      kind: "expire",
      quarantineAgeMs: 15 * 24 * HOUR,
      livePipeline: live,
    });
    expect(classify(old, undefined, RULES, NOW)).toEqual({
      kind: "expire",
      quarantineAgeMs: 15 * 24 * HOUR,
      livePipeline: undefined,
    });
    expect(classify(old, pipeline("Failed", HOUR), RULES, NOW)).toMatchObject({
      kind: "expire",
      livePipeline: undefined,
    });
    expect(classify(old, live, { ...RULES, expireInQuarantine: false }, NOW).kind).toBe("stale");
    expect(classify(pending(14 * 24 * HOUR), undefined, RULES, NOW).kind).toBe("start");
  });

  it("never expires on an unreadable push time, and never decides anything but start, flag or fail", () => {
    expect(classify({ status: "pending", createdTime: "not a time" }, undefined, RULES, NOW).kind).toBe("start");
    const kinds = new Set<string>();
    for (const status of ["released", "failed", "pending"] as const) {
      for (const p of [
        undefined,
        pipeline("Running", 100 * 24 * HOUR),
        pipeline("Completed", HOUR),
        pipeline("Failed", HOUR),
        pipeline("Weird", 0),
      ]) {
        for (const age of [0, 7 * HOUR, 20 * 24 * HOUR])
          kinds.add(classify({ status, createdTime: ago(age) }, p, RULES, NOW).kind);
      }
    }
    expect([...kinds].sort()).toEqual([
      "ended-pending",
      "expire",
      "failed",
      "in-progress",
      "released",
      "restart",
      "stale",
      "start",
    ]);
  });
});
