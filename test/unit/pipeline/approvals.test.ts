import { describe, expect, it } from "vitest";
import { ApproverAuthError, type Approver } from "../../../src/auth/approver-token.js";
import { decide, listPendingApprovals } from "../../../src/pipeline/approvals.js";
import {
  EVENT,
  ORCHESTRATION,
  breakGlassInstanceId,
  pipelineInstanceId,
  type PipelineStatus,
} from "../../../src/pipeline/contract/index.js";
import {
  JustificationRequiredError,
  NotAwaitingApprovalError,
  PipelineNotFoundError,
} from "../../../src/pipeline/errors.js";
import { FakeDurableClient } from "./support/fake-durable-client.js";
import { IMAGE, pipelineInput, verdict } from "./support/fixtures.js";

const id = pipelineInstanceId(IMAGE);
const NOW = new Date("2024-02-01T10:00:00.000Z");
const person = (objectId: string, name: string, roles: string[]): Approver => ({
  objectId,
  name,
  roles,
  tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  kind: "user",
  clientAppId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
  tokenVersion: "1.0",
});
const approver = person("oid-a", "Ada", ["Quarantine.Approver"]);
const overrider = person("oid-o", "Bo", ["Quarantine.Approver", "Quarantine.Override"]);
const viewer = person("oid-v", "Vi", []);

const waiting = (decision: "needsApproval" | "fail" = "needsApproval") => ({
  instanceId: id,
  name: ORCHESTRATION.quarantinePipeline,
  runtimeStatus: "Running",
  input: pipelineInput(),
  customStatus: { stage: "awaiting-approval", image: "x", mode: "enforce", verdict: verdict(decision), updatedAt: "t" },
});
const failedByPolicy = () => ({
  instanceId: id,
  name: ORCHESTRATION.quarantinePipeline,
  runtimeStatus: "Completed",
  input: pipelineInput(),
  customStatus: { stage: "done", verdict: verdict("fail") } as Partial<PipelineStatus>,
  output: { result: "Failed", verdict: verdict("fail"), decidedBy: "policy", reason: "CVE-1" },
});

describe("people's decisions", () => {
  it("lists only pipelines waiting for a person", async () => {
    const fake = new FakeDurableClient()
      .put(waiting())
      .put({ ...waiting(), instanceId: "qp-other", customStatus: { stage: "scanning" } });
    expect((await listPendingApprovals(fake.asClient())).map((p) => p.instanceId)).toEqual([id]);
  });

  it("raises an ApprovalDecision on a waiting pipeline, with who and when", async () => {
    const fake = new FakeDurableClient().put(waiting());
    expect(await decide(fake.asClient(), id, approver, { approve: true, reason: "fine" }, NOW)).toEqual({
      kind: "event-raised",
      instanceId: id,
    });
    expect(fake.events).toEqual([
      {
        instanceId: id,
        name: EVENT.approvalDecision,
        payload: { approve: true, reason: "fine", approver, decidedAt: NOW.toISOString() },
      },
    ]);
  });

  it("refuses anyone without the approver role", async () => {
    const fake = new FakeDurableClient().put(waiting());
    await expect(decide(fake.asClient(), id, viewer, { approve: false, reason: "no" }, NOW)).rejects.toBeInstanceOf(
      ApproverAuthError,
    );
    expect(fake.events).toEqual([]);
  });

  it("approving over a failing verdict needs the override role and a justification", async () => {
    const fake = new FakeDurableClient().put(waiting("fail"));
    await expect(decide(fake.asClient(), id, approver, { approve: true, reason: "ok" }, NOW)).rejects.toBeInstanceOf(
      ApproverAuthError,
    );
    await expect(
      decide(fake.asClient(), id, overrider, { approve: true, reason: "ok", justification: "short" }, NOW),
    ).rejects.toBeInstanceOf(JustificationRequiredError);
    expect(fake.events).toEqual([]);
    await decide(
      fake.asClient(),
      id,
      overrider,
      { approve: true, reason: "ok", justification: "the fix ships in 1h" },
      NOW,
    );
    expect(fake.events[0]!.payload).toMatchObject({
      override: true,
      reason: "ok — justification: the fix ships in 1h",
    });
  });

  it("a rejection of a failing verdict needs no override", async () => {
    const fake = new FakeDurableClient().put(waiting("fail"));
    await decide(fake.asClient(), id, approver, { approve: false, reason: "no" }, NOW);
    expect(fake.events).toHaveLength(1);
  });

  it("starts break-glass for an image the policy failed, under an id of its own", async () => {
    const fake = new FakeDurableClient().put(failedByPolicy());
    const result = await decide(
      fake.asClient(),
      id,
      overrider,
      { approve: true, reason: "outage", justification: "hotfix for the outage" },
      NOW,
    );
    const decision = (fake.started[0]!.input as { decision: { approver: Approver; reason: string } }).decision;
    // The id names the request (who, and the justification), not the time: the same request again is the same release.
    expect(result).toEqual({ kind: "break-glass-started", instanceId: breakGlassInstanceId(id, decision) });
    expect(result.instanceId).toMatch(new RegExp(`^bg-${id.slice(3)}-[0-9a-f]{16}$`));
    const again = await decide(
      fake.asClient(),
      id,
      overrider,
      { approve: true, reason: "outage", justification: "hotfix for the outage" },
      new Date(NOW.getTime() + 60_000),
    );
    expect(again.instanceId).toBe(result.instanceId);
    expect(fake.started).toEqual([
      {
        name: ORCHESTRATION.breakGlassRelease,
        instanceId: result.instanceId,
        input: expect.objectContaining({
          pipeline: pipelineInput(),
          decision: expect.objectContaining({ override: true }),
        }),
      },
    ]);
  });

  it("break-glass too needs the override role and a justification", async () => {
    const fake = new FakeDurableClient().put(failedByPolicy());
    await expect(
      decide(
        fake.asClient(),
        id,
        approver,
        { approve: true, reason: "x", justification: "hotfix for the outage" },
        NOW,
      ),
    ).rejects.toBeInstanceOf(ApproverAuthError);
    await expect(decide(fake.asClient(), id, overrider, { approve: true, reason: "x" }, NOW)).rejects.toBeInstanceOf(
      JustificationRequiredError,
    );
    expect(fake.started).toEqual([]);
  });

  it("refuses decisions on unknown pipelines and on pipelines not waiting", async () => {
    await expect(
      decide(new FakeDurableClient().asClient(), id, approver, { approve: true, reason: "x" }, NOW),
    ).rejects.toBeInstanceOf(PipelineNotFoundError);
    const scanning = new FakeDurableClient().put({ ...waiting(), customStatus: { stage: "scanning" } });
    await expect(decide(scanning.asClient(), id, approver, { approve: true, reason: "x" }, NOW)).rejects.toBeInstanceOf(
      NotAwaitingApprovalError,
    );
    // A rejection of an image the policy already failed changes nothing: refused too.
    const failed = new FakeDurableClient().put(failedByPolicy());
    await expect(decide(failed.asClient(), id, overrider, { approve: false, reason: "x" }, NOW)).rejects.toBeInstanceOf(
      NotAwaitingApprovalError,
    );
    expect([...scanning.events, ...failed.events, ...failed.started]).toEqual([]);
  });
});
