import { describe, expect, it } from "vitest";
import { breakGlassRelease } from "../../../src/pipeline/orchestration/break-glass.js";
import {
  ORCHESTRATION,
  type BreakGlassInput,
  type RegistryDecisionRequest,
} from "../../../src/pipeline/contract/index.js";
import type { EnforceRemediationInput, ReevaluateImageInput } from "../../../src/pipeline/contract/reevaluation.js";
import { PipelineRun, type Activities } from "../pipeline/support/pipeline-run.js";
import { IMAGE, approval, pipelineInput, verdict } from "../pipeline/support/fixtures.js";

function inputsOf<T = unknown>(run: PipelineRun, name: string): T[] {
  return run.calls.filter((c) => (c.name as string) === name).map((c) => c.input as T);
}

function breakGlass(fresh: "pass" | "fail" | "unusable" | "throws", expiresAt?: string): PipelineRun {
  const input: BreakGlassInput = {
    pipeline: pipelineInput({ mode: "enforce" }),
    verdict: verdict("fail"),
    decision: { ...approval(true, "outage — justification: hotfix"), override: true },
    ...(expiresAt ? { expiresAt } : {}),
  };
  return new PipelineRun(ORCHESTRATION.breakGlassRelease, breakGlassRelease, input, {
    writeRegistryDecision: (request: RegistryDecisionRequest) => ({ confirmedState: request.state, written: true }),
    recordDecision: () => null,
    reevaluateImage: () => {
      if (fresh === "throws") throw new Error("storage down");
      return {
        enforcement: "none",
        decision: fresh,
        opened: 0,
        closed: 0,
        reminders: 0,
        due: 0,
        summary: "CVE-2026-1 (Critical)",
      };
    },
    enforceRemediation: () => ({ readEnabled: false, quarantineState: "Failed", quarantineStateWritten: true }),
  } as Activities);
}

const EXPIRES = "2030-01-02T00:00:00.000Z";

describe("break-glass reverts itself at its expiry", () => {
  it("releases, waits on a durable timer until expiresAt, judges again; still failing → blocked again", async () => {
    const run = await breakGlass("fail", EXPIRES).settle();
    expect(run.runtimeStatus).toBe("Running");
    expect(run.customStatus).toMatchObject({ stage: "awaiting-expiry", breakGlassExpiresAt: EXPIRES });
    expect(inputsOf(run, "reevaluateImage")).toEqual([]);
    await run.fireTimers();
    expect(run.runtimeStatus).toBe("Completed");
    const [judged] = inputsOf<ReevaluateImageInput>(run, "reevaluateImage");
    expect(judged).toMatchObject({ image: IMAGE, purpose: "break-glass-expiry" });
    const [block] = inputsOf<EnforceRemediationInput>(run, "enforceRemediation");
    expect(block).toMatchObject({ image: IMAGE, action: "block" });
    expect(block!.reason).toMatch(/^break-glass override expired at 2030-01-02T00:00:00.000Z: fresh verdict fail/);
    expect(run.customStatus).toMatchObject({ stage: "expired", breakGlassExpiry: "reblocked" });
  });

  it("the override's audit record, registry write and status say when it expires", async () => {
    const run = await breakGlass("fail", EXPIRES).settle();
    const [write] = inputsOf<RegistryDecisionRequest>(run, "writeRegistryDecision");
    expect(write!.reason).toBe(`break-glass override: outage — justification: hotfix (expires ${EXPIRES})`);
    const [record] = inputsOf<{ outcome: { reason: string; override?: boolean } }>(run, "recordDecision");
    expect(record!.outcome).toMatchObject({ override: true, reason: write!.reason });
    expect(run.customStatus).toMatchObject({ breakGlassExpiresAt: EXPIRES, decision: { reason: write!.reason } });
  });

  it("now passing → stays released, nothing written", async () => {
    const run = await (await breakGlass("pass", EXPIRES).settle()).fireTimers();
    expect(inputsOf(run, "enforceRemediation")).toEqual([]);
    expect(run.customStatus).toMatchObject({ stage: "expired", breakGlassExpiry: "still-released" });
    expect(run.outcome).toMatchObject({ result: "Passed", override: true });
  });

  it.each(["unusable", "throws"] as const)("a re-judgement that is %s blocks (fail closed)", async (fresh) => {
    const run = await (await breakGlass(fresh, EXPIRES).settle()).fireTimers();
    expect(inputsOf(run, "enforceRemediation")).toHaveLength(1);
    expect(run.customStatus).toMatchObject({ breakGlassExpiry: "reblocked" });
  });

  it("without expiresAt (requests before it) it ends at the release, as before", async () => {
    const run = await breakGlass("fail").settle();
    expect(run.runtimeStatus).toBe("Completed");
    expect(inputsOf(run, "reevaluateImage")).toEqual([]);
  });
});
