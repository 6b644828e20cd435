import { describe, expect, it } from "vitest";
import {
  AcrNotFoundError,
  AcrRequestError,
  AcrWriteNotConfirmedError,
  loginServer,
  repositoryName,
  type AcrClient,
  type Digest,
  type ManifestAttributes,
} from "../../../src/acr/index.js";
import { handleManifest, type ManifestHandlerDeps } from "../../../src/sweep/handle-manifest.js";
import type { PipelineDirectory, PipelineView, StartOutcome } from "../../../src/sweep/pipeline-view.js";
import { SweepTally } from "../../../src/sweep/tally.js";
import type { ImageKey } from "../../../src/pipeline/contract/index.js";

const NOW = new Date("2026-03-01T12:00:00Z");

function manifest(state: string | undefined, digestChar: string, pushed = "2026-03-01T11:00:00Z"): ManifestAttributes {
  const status = state === "Passed" ? "released" : state === "Failed" ? "failed" : "pending";
  return {
    registry: loginServer("contoso.azurecr.io"),
    repository: repositoryName("team/app"),
    digest: `sha256:${digestChar.repeat(64)}` as Digest,
    mediaType: undefined,
    imageSize: undefined,
    createdTime: pushed,
    lastUpdateTime: pushed,
    tags: ["v1"],
    architecture: undefined,
    os: undefined,
    references: [],
    changeableAttributes: {},
    quarantine: { state, status, rawDetails: undefined, details: undefined, detailsProblems: [] },
  };
}

/** The one collaborator of this unit: a directory whose start can be made to fail. */
class Directory implements PipelineDirectory {
  readonly starts: ImageKey[] = [];
  constructor(
    private readonly existing: PipelineView | undefined,
    private readonly failWith?: Error,
  ) {}
  async find(): Promise<PipelineView | undefined> {
    return this.existing;
  }
  async start(image: ImageKey): Promise<StartOutcome> {
    if (this.failWith) throw this.failWith;
    this.starts.push(image);
    return { instanceId: "qp-x", started: true, runtimeStatus: "Pending" };
  }
  async terminate(): Promise<void> {}
}

function deps(pipelines: PipelineDirectory): ManifestHandlerDeps {
  return {
    pipelines,
    tally: new SweepTally(),
    now: () => NOW,
    rules: {
      staleAfterMs: 6 * 3_600_000,
      maxQuarantineAgeMs: 14 * 86_400_000,
      maxQuarantineAgeIso: "P14D",
      expireInQuarantine: false,
    },
    acr: {} as AcrClient,
    audit: { record: async () => undefined },
    statusBaseUrl: undefined,
  };
}

describe("handleManifest", () => {
  it("counts decided manifests without looking up pipelines, and starts missing ones for pending manifests", async () => {
    const pipelines = new Directory(undefined);
    const d = deps(pipelines);
    await handleManifest(d, manifest("Passed", "a"));
    await handleManifest(d, manifest("Failed", "b"));
    await handleManifest(d, manifest("Quarantined", "c"));
    expect(d.tally.byState).toEqual({ Passed: 1, Failed: 1, Quarantined: 1 });
    expect(d.tally.decisions).toMatchObject({ released: 1, failed: 1, start: 1 });
    expect(pipelines.starts.map((s) => s.digest)).toEqual([`sha256:${"c".repeat(64)}`]);
    expect(d.tally.started.items[0]).toMatchObject({
      image: `contoso.azurecr.io/team/app@sha256:${"c".repeat(64)}`,
      instanceId: "qp-x",
      runtimeStatus: "Pending",
    });
  });

  it("reports a manifest whose own action fails and goes on; anything systemic stops the run", async () => {
    for (const error of [new AcrNotFoundError("gone", {}), new AcrWriteNotConfirmedError("not confirmed", {})]) {
      const d = deps(new Directory(undefined, error));
      await handleManifest(d, manifest(undefined, "d"));
      expect(d.tally.actionErrors.toJSON()).toMatchObject({
        total: 1,
        items: [{ outcome: expect.stringMatching(/^start failed: /) }],
      });
      expect(d.tally.decisions.start).toBe(0);
    }
    const outage = deps(new Directory(undefined, new AcrRequestError("503 after retries", {})));
    await expect(handleManifest(outage, manifest(undefined, "e"))).rejects.toBeInstanceOf(AcrRequestError);
    const durable = deps(new Directory(undefined, new Error("durable host unavailable")));
    await expect(handleManifest(durable, manifest(undefined, "f"))).rejects.toThrow(/durable host/);
  });
});
