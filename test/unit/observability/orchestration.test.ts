import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { InvocationContext } from "@azure/functions";
import { observeOrchestration } from "../../../src/observability/orchestration.js";
import { parseEventLine, type GateEvent } from "../../../src/observability/event-line.js";
import { quarantinePipeline } from "../../../src/pipeline/orchestration/quarantine-pipeline.js";
import { breakGlassRelease } from "../../../src/pipeline/orchestration/break-glass.js";
import { EVENT, ORCHESTRATION, type ScanPoll } from "../../../src/pipeline/contract/index.js";
import { PipelineRun, type Activities } from "../pipeline/support/pipeline-run.js";
import { IMAGE, approval, done, pipelineInput, singleManifest, verdict } from "../pipeline/support/fixtures.js";

const REFERENCE = `${IMAGE.loginServer}/${IMAGE.repository}@${IMAGE.digest}`;

// The replay driver runs the real durable-functions engine with a DummyOrchestrationContext, an InvocationContext of
// @azure/functions: its info/warn/error are where the orchestration's lines go.
let lines: Array<{ level: string; event: GateEvent | undefined }> = [];
beforeEach(() => {
  lines = [];
  for (const level of ["info", "warn", "error"] as const)
    vi.spyOn(InvocationContext.prototype, level).mockImplementation((...args: unknown[]) => {
      lines.push({ level, event: parseEventLine(String(args[0])) });
    });
});
afterEach(() => vi.restoreAllMocks());

const events = () => lines.map((l) => l.event).filter((e): e is GateEvent => e !== undefined);
const summary = () => events().map((e) => `${e.outcome}${e.stage ? `:${e.stage}` : ""}`);

function activities(polls: ScanPoll[] = [done(verdict("pass"))]): Activities {
  let n = 0;
  return {
    inspectImage: () => singleManifest(),
    submitScan: (input: { scanId: string }) => ({ mode: "poll", digest: IMAGE.digest, scanId: input.scanId }),
    pollScan: () => polls[Math.min(n++, polls.length - 1)],
    writeRegistryDecision: (request: { state: string }) => ({ confirmedState: request.state, written: true }),
    recordDecision: () => null,
    // The ledger backs every event here (its rules are tested in test/unit/pipeline): this test is about logging.
    confirmApprovalDecision: (input: { event: { approve: boolean; decidedAt: string } }) => ({
      counted: true,
      settlement: {
        kind: "decision",
        approve: input.event.approve,
        decisions: [{ ...input.event, decisionId: "d1" }],
        decidedAt: input.event.decidedAt,
      },
    }),
    settleApprovalDeadline: (round: { deadline: string }) => ({
      kind: "deadline",
      deadline: round.deadline,
      claimedAt: round.deadline,
    }),
  };
}

const observedPipeline = observeOrchestration(ORCHESTRATION.quarantinePipeline, quarantinePipeline);

describe("observeOrchestration under the real replay engine", () => {
  it("writes each step once although every episode replays the ones before", async () => {
    const polls: ScanPoll[] = [{ state: "pending", retryAfterMs: 1000 }, done(verdict("needsApproval"))];
    const run = await new PipelineRun(
      ORCHESTRATION.quarantinePipeline,
      observedPipeline,
      pipelineInput(),
      activities(polls),
    ).settle();
    await run.fireTimers();
    expect(run.customStatus.stage).toBe("awaiting-approval");
    await run.raise(EVENT.approvalDecision, approval(true));
    expect(run.outcome.result).toBe("Passed");
    expect(run.driver.episodes.length).toBeGreaterThan(5);

    expect(summary()).toEqual([
      "started",
      "stage:inspecting",
      "stage:scanning",
      "stage:awaiting-approval",
      "stage:releasing",
      "stage:recording",
      "completed:done",
    ]);
    for (const event of events())
      expect(event).toMatchObject({ kind: "orchestration", fn: "quarantinePipeline", image: REFERENCE });
    expect(events().find((e) => e.stage === "awaiting-approval")!.deadline).toBe(run.customStatus.approvalDeadline);
    expect(events().find((e) => e.stage === "scanning")!.deadline).toMatch(/^2024-01-01T/);
    expect(events().at(-1)).toMatchObject({ result: "Passed" });
    expect(lines.every((l) => l.level === "info")).toBe(true);
  });

  it("a pipeline that fails writes its last stage and the error, at error level, once", async () => {
    const failing = {
      ...activities(),
      submitScan: () => {
        throw new Error("scanner unreachable");
      },
    };
    const run = await new PipelineRun(
      ORCHESTRATION.quarantinePipeline,
      observedPipeline,
      pipelineInput(),
      failing,
    ).settle();
    expect(run.runtimeStatus).toBe("Failed");
    expect(summary()).toEqual([
      "started",
      "stage:inspecting",
      "stage:scanning",
      "stage:scan-failed",
      "failed:scan-failed",
    ]);
    const failed = lines.find((l) => l.event?.outcome === "failed")!;
    expect(failed.level).toBe("error");
    expect(failed.event!.error).toMatchObject({ code: "ERR_SCAN_FAILED" });
  });

  it("break-glass releases are logged with their stage and the pipeline's image", async () => {
    const observed = observeOrchestration(ORCHESTRATION.breakGlassRelease, breakGlassRelease);
    const run = await new PipelineRun(
      ORCHESTRATION.breakGlassRelease,
      observed,
      { pipeline: pipelineInput(), verdict: verdict("fail"), decision: approval(true) },
      activities(),
    ).settle();
    expect(run.runtimeStatus).toBe("Completed");
    // Started and completed once each; stage lines between them only if the release publishes stages of its own.
    expect(summary()[0]).toBe("started:break-glass");
    expect(summary().at(-1)).toBe("completed:break-glass");
    expect(
      summary()
        .slice(1, -1)
        .every((s) => s.startsWith("stage:")),
    ).toBe(true);
    expect(new Set(summary()).size).toBe(summary().length);
    expect(events().at(-1)).toMatchObject({ image: REFERENCE, result: "Passed", instanceId: "unit-instance" });
  });
});
