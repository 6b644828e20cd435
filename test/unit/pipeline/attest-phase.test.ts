import { describe, expect, it } from "vitest";
import { quarantinePipeline } from "../../../src/pipeline/orchestration/quarantine-pipeline.js";
import { breakGlassRelease } from "../../../src/pipeline/orchestration/break-glass.js";
import {
  ORCHESTRATION,
  breakGlassRequestId,
  pipelineInstanceId,
  type AttestDecisionInput,
  type BreakGlassInput,
  type PipelineInput,
  type RegistryDecisionRequest,
  type ScanPoll,
} from "../../../src/pipeline/contract/index.js";
import { PipelineRun, type Activities } from "./support/pipeline-run.js";
import { approval, done, pipelineInput, singleManifest, verdict } from "./support/fixtures.js";

/**
 * The attestation step on the real durable-functions replay engine: after every final decision (Passed, Failed) and
 * only then, after the decision is written and recorded; an attestation that fails after every retry changes nothing
 * about the outcome.
 */
function run(options: {
  poll?: ScanPoll;
  state?: string;
  input?: Partial<PipelineInput>;
  attest?: (input: AttestDecisionInput) => unknown;
}): PipelineRun {
  const order: string[] = [];
  const activities: Activities = {
    inspectImage: () => ({ ...singleManifest(), quarantineState: options.state }),
    submitScan: (input: { image: { digest: string }; scanId: string }) => ({
      mode: "poll",
      digest: input.image.digest,
      scanId: input.scanId,
    }),
    pollScan: (input: { image: { digest: string } }) => options.poll ?? done(verdict("pass", input.image.digest)),
    writeRegistryDecision: (request: RegistryDecisionRequest) => (
      order.push("write"),
      { confirmedState: request.state }
    ),
    recordDecision: () => (order.push("record"), null),
    attestDecision: (input: AttestDecisionInput) => (
      order.push("attest"),
      options.attest ? options.attest(input) : { state: "attested" }
    ),
  };
  const r = new PipelineRun(
    ORCHESTRATION.quarantinePipeline,
    quarantinePipeline,
    pipelineInput(options.input),
    activities,
  );
  (r as unknown as { order: string[] }).order = order;
  return r;
}
const orderOf = (r: PipelineRun) => (r as unknown as { order: string[] }).order;

describe("attesting the decision", () => {
  it("attests a Passed decision after it is written and recorded, with the outcome and the instance", async () => {
    const r = await run({}).settle();
    expect(r.outcome.result).toBe("Passed");
    expect(orderOf(r)).toEqual(["write", "record", "attest"]);
    const [input] = r.inputsOf<AttestDecisionInput>("attestDecision");
    expect(input!.outcome.result).toBe("Passed");
    expect(input!.image).toEqual(pipelineInput().image);
    expect(input!.instanceId).toBe("unit-instance"); // the replay driver's context.df.instanceId
  });

  it("attests a Failed decision", async () => {
    const r = await run({ poll: done(verdict("fail", pipelineInput().image.digest)) }).settle();
    expect(r.outcome.result).toBe("Failed");
    expect(r.inputsOf<AttestDecisionInput>("attestDecision").map((i) => i.outcome.result)).toEqual(["Failed"]);
  });

  it("attests nothing for an image already decided, or in shadow mode", async () => {
    const decided = await run({ state: "Passed" }).settle();
    expect(decided.outcome.result).toBe("already-decided");
    expect(decided.inputsOf("attestDecision")).toEqual([]);
    const shadow = await run({ input: { mode: "shadow" } }).settle();
    expect(shadow.outcome.result).toBe("would-pass");
    expect(shadow.inputsOf("attestDecision")).toEqual([]);
  });

  it("an attestation that fails after every retry leaves the decision as it is: Completed, Passed", async () => {
    const r = await run({
      attest: () => {
        throw new Error("registry refused the referrer");
      },
    }).settle();
    expect(r.runtimeStatus).toBe("Completed");
    expect(r.outcome.result).toBe("Passed");
    expect(r.inputsOf("attestDecision").length).toBeGreaterThan(1); // retried under ACTIVITY_RETRY
    expect(r.inputsOf<RegistryDecisionRequest>("writeRegistryDecision").map((w) => w.state)).toEqual(["Passed"]);
  });

  it("attests a break-glass override as Passed with the override, keyed by the request (one decision per request)", async () => {
    const decision = { ...approval(true, "outage — justification: hotfix"), override: true };
    const input: BreakGlassInput = { pipeline: pipelineInput(), verdict: verdict("fail"), decision };
    const r = await new PipelineRun(ORCHESTRATION.breakGlassRelease, breakGlassRelease, input, {
      writeRegistryDecision: (request: RegistryDecisionRequest) => ({ confirmedState: request.state, written: true }),
      recordDecision: () => null,
      attestDecision: () => ({ state: "attested" }),
    }).settle();
    const [attest] = r.inputsOf<AttestDecisionInput>("attestDecision");
    expect(attest!.outcome).toMatchObject({ result: "Passed", override: true });
    expect(attest!.decisionKey).toEqual({
      scope: pipelineInstanceId(input.pipeline.image),
      identity: `break-glass:${breakGlassRequestId(decision)}`,
    });
  });
});
