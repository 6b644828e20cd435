import { describe, expect, it } from "vitest";
import { breakGlassRelease } from "../../../src/pipeline/orchestration/break-glass.js";
import {
  ORCHESTRATION,
  breakGlassRequestId,
  pipelineInstanceId,
  type BreakGlassInput,
  type RecordDecisionInput,
  type RegistryDecisionRequest,
} from "../../../src/pipeline/contract/index.js";
import { auditActionOf } from "../../../src/pipeline/steps/record-decision.js";
import { PipelineRun } from "./support/pipeline-run.js";
import { IMAGE, approval, pipelineInput, verdict } from "./support/fixtures.js";

function breakGlass(mode: "enforce" | "shadow", writeFails = false): PipelineRun {
  const input: BreakGlassInput = {
    pipeline: pipelineInput({ mode }),
    verdict: verdict("fail"),
    decision: { ...approval(true, "outage — justification: hotfix for the outage"), override: true },
  };
  return new PipelineRun(ORCHESTRATION.breakGlassRelease, breakGlassRelease, input, {
    writeRegistryDecision: (request: RegistryDecisionRequest) => {
      if (writeFails) throw new Error("403 from the registry");
      return { confirmedState: request.state, written: true };
    },
    recordDecision: () => null,
  });
}

describe("break-glass release", () => {
  it("writes Passed over the failing verdict with the justification, and is audited as an override", async () => {
    const run = await breakGlass("enforce").settle();
    expect(run.runtimeStatus).toBe("Completed");
    const [write] = run.inputsOf<RegistryDecisionRequest>("writeRegistryDecision");
    expect(write).toMatchObject({ image: IMAGE, state: "Passed", verdict: { decision: "fail" } });
    expect(write!.reason).toBe("break-glass override: outage — justification: hotfix for the outage");
    const [record] = run.inputsOf<RecordDecisionInput>("recordDecision");
    expect(record!.outcome).toMatchObject({ result: "Passed", override: true, decidedBy: "Ada Approver (oid-1)" });
    expect(auditActionOf(record!.outcome)).toBe("overridden");
  });

  it("in shadow mode only says it would pass: nothing is written", async () => {
    const run = await breakGlass("shadow").settle();
    expect(run.outcome).toMatchObject({ result: "would-pass", override: true });
    expect(run.inputsOf("writeRegistryDecision")).toEqual([]);
    expect(run.inputsOf("recordDecision")).toHaveLength(1);
  });

  it("when the registry refuses the write: nothing is recorded as released, the image is left quarantined", async () => {
    const run = await breakGlass("enforce", true).settle();
    expect(run.runtimeStatus).toBe("Failed");
    expect(run.inputsOf("writeRegistryDecision")).toHaveLength(5);
    const records = run.inputsOf<RecordDecisionInput>("recordDecision");
    expect(records.map((r) => auditActionOf(r.outcome))).toEqual(["left-quarantined"]);
    expect(records[0]!.outcome.reason).toMatch(/^break-glass release failed: .*403 from the registry/);
    expect(run.customStatus).toMatchObject({ stage: "release-failed" });
  });

  it("its status says it is an override of the pipeline, by whom and why", async () => {
    const run = await breakGlass("enforce").settle();
    expect(run.customStatus).toMatchObject({
      stage: "done",
      outcome: "Passed",
      overrides: pipelineInstanceId(IMAGE),
      verdict: { decision: "fail" },
      decision: {
        by: "Ada Approver (oid-1)",
        approve: true,
        override: true,
        reason: "break-glass override: outage — justification: hotfix for the outage",
      },
    });
  });

  it("audits under the pipeline and the request, so the same request is one record whichever instance runs it", async () => {
    const first = await breakGlass("enforce").settle();
    const [record] = first.inputsOf<RecordDecisionInput>("recordDecision");
    const decision = { ...approval(true, "outage — justification: hotfix for the outage"), override: true };
    expect(record!.auditKey).toEqual({
      scope: pipelineInstanceId(IMAGE),
      identity: `break-glass:${breakGlassRequestId(decision)}`,
    });
    // The time of the request is not part of it.
    expect(breakGlassRequestId({ ...decision, decidedAt: "2030-01-01T00:00:00Z" } as typeof decision)).toBe(
      breakGlassRequestId(decision),
    );
  });
});
