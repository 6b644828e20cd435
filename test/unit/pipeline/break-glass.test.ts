import { describe, expect, it } from "vitest";
import { breakGlassRelease } from "../../../src/pipeline/orchestration/break-glass.js";
import {
  ORCHESTRATION,
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
      return { confirmedState: request.state };
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

  it("records nothing as released when the registry refuses the write", async () => {
    const run = await breakGlass("enforce", true).settle();
    expect(run.runtimeStatus).toBe("Failed");
    expect(run.inputsOf("writeRegistryDecision")).toHaveLength(5);
    expect(run.inputsOf("recordDecision")).toEqual([]);
  });
});
