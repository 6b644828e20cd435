import { describe, expect, it } from "vitest";
import { observeActivity } from "../../../src/observability/activity.js";
import type { PollScanInput, RecordDecisionInput } from "../../../src/pipeline/contract/index.js";
import { IMAGE, pipelineInput, verdict } from "../pipeline/support/fixtures.js";
import { capturingContext } from "./support.js";

const REFERENCE = `${IMAGE.loginServer}/${IMAGE.repository}@${IMAGE.digest}`;
const PIPELINE = `qp-${"c".repeat(40)}`;
const poll: PollScanInput = { image: IMAGE, scanId: `${PIPELINE}.0.deadbeef`, now: "2024-01-01T00:00:00Z" };

describe("observeActivity", () => {
  it("logs started and succeeded once, with instance, image, stage, a short result and the duration", async () => {
    const { context, logged } = capturingContext({ functionName: "pollScan" });
    const handler = observeActivity("pollScan", async () => ({
      state: "done" as const,
      verdict: verdict("needsApproval"),
    }));
    const output = await handler(poll, context);
    expect(output).toMatchObject({ state: "done" });
    expect(logged.map((l) => [l.level, l.event?.outcome])).toEqual([
      ["information", "started"],
      ["information", "succeeded"],
    ]);
    expect(logged[1]!.event).toMatchObject({
      v: 1,
      kind: "activity",
      fn: "pollScan",
      stage: "scanning",
      instanceId: PIPELINE,
      image: REFERENCE,
      result: "needsApproval",
      findings: 1,
    });
    expect(typeof logged[1]!.event!.durationMs).toBe("number");
    // Counts and the decision only: never the verdict's reasons (they name findings).
    expect(logged[1]!.line).not.toContain("needsApproval sha256");
  });

  it("takes the instance id the Durable extension binds (triggerMetadata.instanceId) over what the input implies", async () => {
    const { context, logged } = capturingContext({ triggerMetadata: { instanceId: "bg-abc-1700000000000" } });
    const written = { confirmedState: "Passed", written: true };
    await observeActivity("writeRegistryDecision", async () => written)(
      { image: IMAGE, state: "Passed", reason: "break-glass" },
      context,
    );
    expect(logged.map((l) => l.event?.instanceId)).toEqual(["bg-abc-1700000000000", "bg-abc-1700000000000"]);
    expect(logged[1]!.event).toMatchObject({ stage: "releasing", result: "Passed", image: REFERENCE });
  });

  it("reads the instance from recordDecision's input", async () => {
    const { context, logged } = capturingContext();
    const input: RecordDecisionInput = {
      input: pipelineInput(),
      outcome: { result: "Passed", decidedBy: "policy", reason: "clean" },
      instanceId: PIPELINE,
      at: "2024-01-01T00:00:00Z",
    };
    await observeActivity("recordDecision", async () => undefined)(input, context);
    expect(logged[0]!.event).toMatchObject({ stage: "recording", instanceId: PIPELINE, image: REFERENCE });
  });

  it("logs a failure as a warning with the error's code and a redacted message, and rethrows it untouched", async () => {
    const { context, logged } = capturingContext();
    const failure = Object.assign(new Error("ACR said 401 to Bearer eyJhbGciOiJIUzI1NiJ9.eyJ4Ijo1fQ.c2ln"), {
      code: "ERR_ACR_UNAUTHORIZED",
      upstreamCode: "UNAUTHORIZED",
    });
    const handler = observeActivity("inspectImage", async () => {
      throw failure;
    });
    await expect(handler(IMAGE, context)).rejects.toBe(failure);
    expect(logged.map((l) => [l.level, l.event?.outcome])).toEqual([
      ["information", "started"],
      ["warning", "failed"],
    ]);
    expect(logged[1]!.event!.error).toEqual({
      name: "Error",
      code: "ERR_ACR_UNAUTHORIZED",
      upstreamCode: "UNAUTHORIZED",
      message: "ACR said 401 to Bearer [redacted]",
    });
    expect(logged.map((l) => l.line).join("\n")).not.toContain("eyJ");
  });

  it("a payload without the expected shape is still run and logged, without the facts it lacks", async () => {
    const { context, logged } = capturingContext();
    const output = await observeActivity("submitScan", async () => ({
      mode: "poll" as const,
      digest: IMAGE.digest,
      scanId: "x",
    }))(null, context);
    expect(output.mode).toBe("poll");
    expect(logged[0]!.event).toMatchObject({ outcome: "started", stage: "scanning" });
    expect(logged[0]!.event!.image).toBeUndefined();
    expect(logged[1]!.event).toMatchObject({ outcome: "succeeded", result: "poll" });
  });
});
