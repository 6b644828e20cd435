import { describe, expect, it } from "vitest";
import { quarantinePipeline } from "../../../src/pipeline/orchestration/quarantine-pipeline.js";
import { artifactDecision } from "../../../src/pipeline/orchestration/rules.js";
import { decisionDetails } from "../../../src/pipeline/steps/write-registry-decision.js";
import { ownAttestationNote } from "../../../src/attest/own-referrer.js";
import { QuarantineDetailsBuilder } from "../../../src/acr/index.js";
import {
  ORCHESTRATION,
  type InspectedArtifact,
  type InspectResult,
  type PipelineInput,
  type RecordDecisionInput,
  type RegistryDecisionRequest,
} from "../../../src/pipeline/contract/index.js";
import { PipelineRun } from "./support/pipeline-run.js";
import { IMAGE, digestOf, pipelineInput } from "./support/fixtures.js";
import { DSSE_ENVELOPE, SARIF } from "../../../src/attest/media-types.js";

/**
 * The pipeline of a manifest that is not an image (docs/pipeline.md "The gate's own referrers"), by replay on the real
 * durable-functions engine: never scanned; the gate's verified attestation is released; anything else stays
 * quarantined and the instance completes; no notification, no attestation of a referrer.
 */
const SUBJECT = digestOf(9);

function inspected(artifact: InspectedArtifact, quarantineState = "Quarantined"): InspectResult {
  return {
    quarantineState,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    scanTargets: [],
    isIndex: false,
    artifact,
  };
}

const attestation = (artifactType = DSSE_ENVELOPE): InspectedArtifact => ({
  kind: "gate-attestation",
  artifactType,
  subject: SUBJECT,
  reason: ownAttestationNote(SUBJECT),
  checked: "its signed decision (PASSED) verifies against the gate's key",
});
const forged: InspectedArtifact = {
  kind: "not-an-image",
  artifactType: DSSE_ENVELOPE,
  subject: SUBJECT,
  reason: "not an image: an OCI artifact of type application/vnd.dsse.envelope.v1+json that does not verify",
};

function run(inspect: InspectResult, options: { input?: Partial<PipelineInput>; writeFails?: boolean } = {}) {
  return new PipelineRun(ORCHESTRATION.quarantinePipeline, quarantinePipeline, pipelineInput(options.input), {
    inspectImage: () => inspect,
    submitScan: () => {
      throw new Error("an artifact must not be scanned");
    },
    pollScan: () => {
      throw new Error("an artifact must not be scanned");
    },
    writeRegistryDecision: (request: RegistryDecisionRequest) => {
      if (options.writeFails) throw new Error("403 from the registry");
      return { confirmedState: request.state, written: true };
    },
    recordDecision: () => null,
    attestDecision: () => {
      throw new Error("a referrer must not be attested");
    },
  });
}

const names = (r: PipelineRun) => r.calls.map((c) => c.name);

describe("quarantine pipeline: an OCI artifact instead of an image", () => {
  for (const artifactType of [DSSE_ENVELOPE, SARIF]) {
    it(`the gate's verified attestation (${artifactType}) is released without a scan, and nothing else happens`, async () => {
      const r = await run(inspected(attestation(artifactType))).settle();
      expect(r.runtimeStatus).toBe("Completed");
      expect(r.outcome).toEqual({ result: "Passed", decidedBy: "gate", reason: ownAttestationNote(SUBJECT) });
      expect(names(r)).toEqual(["inspectImage", "writeRegistryDecision", "recordDecision"]);
      // No verdict and no status link: exactly the details the attestation activity writes (src/attest/services.ts).
      const [write] = r.inputsOf<RegistryDecisionRequest>("writeRegistryDecision");
      expect(write).toEqual({ image: IMAGE, state: "Passed", reason: ownAttestationNote(SUBJECT) });
      expect(decisionDetails(write!)).toEqual(
        new QuarantineDetailsBuilder()
          .scanner("acr-quarantine-gate")
          .state(`released: ${ownAttestationNote(SUBJECT)}`)
          .build(),
      );
      expect(r.inputsOf<RecordDecisionInput>("recordDecision").map((x) => x.outcome.result)).toEqual(["Passed"]);
      expect(r.customStatus).toMatchObject({ stage: "done", outcome: "Passed" });
    });
  }

  it("anything else (a forged attestation, an unknown artifact) is left quarantined: no write, completed", async () => {
    const r = await run(inspected(forged)).settle();
    expect(r.runtimeStatus).toBe("Completed");
    expect(r.outcome).toEqual({ result: "left-quarantined", decidedBy: "gate", reason: forged.reason });
    expect(names(r)).toEqual(["inspectImage", "recordDecision"]);
    expect(r.customStatus).toMatchObject({ stage: "done", outcome: "left-quarantined" });
  });

  it("an artifact the registry already shows decided is left alone, as an image would be", async () => {
    const r = await run(inspected(attestation(), "Passed")).settle();
    expect(r.outcome).toMatchObject({ result: "already-decided" });
    expect(names(r)).toEqual(["inspectImage", "recordDecision"]);
  });

  it("shadow mode writes nothing: a verified attestation would pass, the rest stays", async () => {
    const shadow = { input: { mode: "shadow" as const } };
    const passing = await run(inspected(attestation()), shadow).settle();
    expect(passing.outcome).toMatchObject({ result: "would-pass", decidedBy: "gate" });
    const other = await run(inspected(forged), shadow).settle();
    expect(other.outcome).toMatchObject({ result: "left-quarantined" });
    expect([...names(passing), ...names(other)].filter((n) => n === "writeRegistryDecision")).toEqual([]);
  });

  it("a release the registry refuses leaves it quarantined and fails the instance (the sweep restarts it)", async () => {
    const r = await run(inspected(attestation()), { writeFails: true }).settle();
    expect(r.runtimeStatus).toBe("Failed");
    const results = r.inputsOf<RecordDecisionInput>("recordDecision").map((x) => x.outcome.result);
    expect(results).toEqual(["left-quarantined"]);
    expect(r.customStatus).toMatchObject({ stage: "release-failed" });
  });
});

describe("artifactDecision", () => {
  it("releases only the gate's verified attestation; every other artifact stays quarantined", () => {
    expect(artifactDecision(attestation())).toEqual({
      state: "Passed",
      by: "gate",
      reason: ownAttestationNote(SUBJECT),
    });
    expect(artifactDecision(forged).state).toBeUndefined();
    expect(
      artifactDecision({
        kind: "not-an-image",
        artifactType: "application/vnd.cncf.helm.config.v1+json",
        subject: undefined,
        reason: "x",
      }).state,
    ).toBeUndefined();
  });
});
