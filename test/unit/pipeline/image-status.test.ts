import { describe, expect, it } from "vitest";
import type { AuditRecord } from "../../../src/audit/audit-log.js";
import { imageStatus } from "../../../src/pipeline/image-status.js";
import {
  ORCHESTRATION,
  breakGlassInstanceId,
  imageReference,
  pipelineInstanceId,
  type PipelineOutcome,
} from "../../../src/pipeline/contract/index.js";
import { FakeDurableClient } from "./support/fake-durable-client.js";
import { IMAGE, approval, verdict } from "./support/fixtures.js";

const pipeline = pipelineInstanceId(IMAGE);
const bg = breakGlassInstanceId(pipeline, approval(true, "outage — justification: hotfix for the outage"));
const failed: PipelineOutcome = { result: "Failed", verdict: verdict("fail"), decidedBy: "policy", reason: "CVE-1" };
const overridden: PipelineOutcome = {
  result: "Passed",
  verdict: verdict("fail"),
  decidedBy: "Bo Override (oid-bo)",
  reason: "break-glass override: outage — justification: hotfix for the outage",
  override: true,
};
const row = (action: string, at: string, change: Partial<AuditRecord> = {}): AuditRecord => ({
  image: imageReference(IMAGE),
  action,
  actor: "policy",
  at,
  reason: action,
  instanceId: pipeline,
  ...change,
});

function client(withRelease = true): FakeDurableClient {
  const fake = new FakeDurableClient().put({
    instanceId: pipeline,
    name: ORCHESTRATION.quarantinePipeline,
    runtimeStatus: "Completed",
    customStatus: { stage: "done", verdict: verdict("fail"), outcome: "Failed" },
    output: failed,
  });
  if (withRelease)
    fake.put({ instanceId: bg, name: ORCHESTRATION.breakGlassRelease, runtimeStatus: "Completed", output: overridden });
  return fake;
}
const audit = (rows: AuditRecord[]) => ({ history: async () => rows });
const overrideRow = row("overridden", "2024-01-01T00:10:00.000Z", {
  actor: "Bo Override (oid-bo)",
  reason: overridden.reason,
  instanceId: bg,
});

describe("image status after a break-glass release", () => {
  it("says the image was released by override, by whom and why; the pipeline's own outcome stays visible", async () => {
    const view = await imageStatus(
      client().asClient(),
      audit([row("failed", "2024-01-01T00:00:00.000Z"), overrideRow]),
      IMAGE,
    );
    expect(view.releasedBy).toBe("override");
    expect(view.outcome).toEqual(overridden);
    expect(view.override).toEqual({
      instanceId: bg,
      by: "Bo Override (oid-bo)",
      reason: overridden.reason,
      at: "2024-01-01T00:10:00.000Z",
      runtimeStatus: "Completed",
    });
    expect(view.pipelineOutcome).toEqual(failed);
    expect(view.runtimeStatus).toBe("Completed");
  });

  it("still says so from the audit record when the host no longer knows the release (purged)", async () => {
    const view = await imageStatus(client(false).asClient(), audit([overrideRow]), IMAGE);
    expect(view.outcome).toMatchObject({ result: "Passed", override: true, decidedBy: "Bo Override (oid-bo)" });
    expect(view.override).not.toHaveProperty("runtimeStatus");
  });

  it("without an override the pipeline's outcome is the outcome", async () => {
    const view = await imageStatus(client().asClient(), audit([row("failed", "2024-01-01T00:00:00.000Z")]), IMAGE);
    expect(view.outcome).toEqual(failed);
    expect(view.releasedBy).toBeUndefined();
    expect(view.override).toBeUndefined();
  });

  it("a later write to the registry (the sweep's expiry, a new decision) replaces the override", async () => {
    const view = await imageStatus(
      client().asClient(),
      audit([overrideRow, row("expired", "2024-01-02T00:00:00.000Z", { instanceId: undefined })]),
      IMAGE,
    );
    expect(view.releasedBy).toBeUndefined();
    expect(view.outcome).toEqual(failed);
  });

  it("a later record that wrote nothing (already decided) leaves the override in place", async () => {
    const view = await imageStatus(
      client().asClient(),
      audit([overrideRow, row("already-decided", "2024-01-02T00:00:00.000Z")]),
      IMAGE,
    );
    expect(view.releasedBy).toBe("override");
  });

  it("shows when the override expires and, once it has, what the fresh judgement did", async () => {
    const fake = client().put({
      instanceId: bg,
      name: ORCHESTRATION.breakGlassRelease,
      runtimeStatus: "Running",
      customStatus: { stage: "awaiting-expiry", breakGlassExpiresAt: "2024-01-02T00:10:00.000Z" },
    });
    const waiting = await imageStatus(fake.asClient(), audit([overrideRow]), IMAGE);
    expect(waiting.override).toMatchObject({ runtimeStatus: "Running", expiresAt: "2024-01-02T00:10:00.000Z" });
    expect(waiting.override).not.toHaveProperty("expiry");
    fake.instances.get(bg)!.customStatus = {
      stage: "expired",
      breakGlassExpiresAt: "2024-01-02T00:10:00.000Z",
      breakGlassExpiry: "still-released",
    };
    const kept = await imageStatus(fake.asClient(), audit([overrideRow]), IMAGE);
    expect(kept.override).toMatchObject({ expiresAt: "2024-01-02T00:10:00.000Z", expiry: "still-released" });
  });

  it.each(["reblocked", "reopened"])(
    "a later %s (re-evaluation wrote to the registry) replaces the override",
    async (action) => {
      const view = await imageStatus(
        client().asClient(),
        audit([overrideRow, row(action, "2024-01-02T00:10:00.000Z", { actor: "gate:reevaluation" })]),
        IMAGE,
      );
      expect(view.releasedBy).toBeUndefined();
      expect(view.override).toBeUndefined();
      expect(view.timeline.map((r) => r.action)).toEqual(["overridden", action]);
    },
  );
});
