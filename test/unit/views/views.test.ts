import { describe, expect, it } from "vitest";
import type { DurableClient, DurableOrchestrationStatus } from "durable-functions";
import { listRecentDecisions } from "../../../src/pipeline/views/decisions.js";
import { approvalCountOf, listPendingViews } from "../../../src/pipeline/views/pending.js";

const IMAGE = "reg.azurecr.io/team/risky-app@sha256:" + "a".repeat(64);
const OTHER = "reg.azurecr.io/team/other@sha256:" + "b".repeat(64);

function client(statuses: Array<Partial<DurableOrchestrationStatus>>, inputs: Record<string, unknown> = {}) {
  return {
    getStatusBy: async () => statuses as DurableOrchestrationStatus[],
    getStatus: async (id: string) => ({ instanceId: id, input: inputs[id] }) as DurableOrchestrationStatus,
  } as unknown as DurableClient;
}

describe("approvals in the status", () => {
  it("is 1-of-1 with nobody when the status has no approvals (before N-of-M)", () => {
    expect(approvalCountOf(undefined)).toEqual({ required: 1, given: 0, approvers: [] });
    expect(approvalCountOf({ stage: "awaiting-approval" })).toEqual({ required: 1, given: 0, approvers: [] });
  });

  it("reads required, given and who, and ignores values that are not whole numbers", () => {
    expect(
      approvalCountOf({ approvals: { required: 2, given: 1, approvers: [{ name: "Ada", objectId: "x", at: "t" }] } }),
    ).toEqual({ required: 2, given: 1, approvers: [{ name: "Ada", objectId: "x", at: "t" }] });
    expect(approvalCountOf({ approvals: { required: "2", given: -1, approvers: [{ name: "Bo" }, 3] } })).toEqual({
      required: 1,
      given: 1,
      approvers: [{ name: "Bo" }],
    });
  });
});

describe("pending and recent decisions", () => {
  it("lists only pipelines waiting for a person, with tag, push time and approvals", async () => {
    const views = await listPendingViews(
      client(
        [
          {
            instanceId: "p1",
            customStatus: { stage: "awaiting-approval", image: IMAGE, approvalDeadline: "2026-01-02T00:00:00.000Z" },
            createdTime: new Date("2026-01-01T00:00:00Z"),
          },
          { instanceId: "p2", customStatus: { stage: "scanning", image: OTHER } },
        ],
        { p1: { tag: "v1" } },
      ),
    );
    expect(views).toEqual([
      {
        instanceId: "p1",
        image: IMAGE,
        repository: "team/risky-app",
        digest: "sha256:" + "a".repeat(64),
        tag: "v1",
        pushedAt: "2026-01-01T00:00:00.000Z",
        approvalDeadline: "2026-01-02T00:00:00.000Z",
        approvals: { required: 1, given: 0, approvers: [] },
      },
    ]);
  });

  it("filters decisions by repository and outcome, newest first", async () => {
    const c = client([
      {
        instanceId: "a",
        runtimeStatus: "Completed" as never,
        customStatus: { image: IMAGE },
        output: { result: "Passed", decidedBy: "Ada", reason: "ok" },
        lastUpdatedTime: new Date("2026-01-01T00:00:00Z"),
      },
      {
        instanceId: "b",
        runtimeStatus: "Completed" as never,
        customStatus: { image: IMAGE },
        output: { result: "Failed", decidedBy: "policy", reason: "Critical" },
        lastUpdatedTime: new Date("2026-01-03T00:00:00Z"),
      },
      {
        instanceId: "c",
        runtimeStatus: "Completed" as never,
        customStatus: { image: OTHER },
        output: { result: "Passed", decidedBy: "policy", reason: "clean" },
        lastUpdatedTime: new Date("2026-01-02T00:00:00Z"),
      },
      { instanceId: "d", runtimeStatus: "Completed" as never, customStatus: undefined },
    ]);
    const now = new Date("2026-01-04T00:00:00Z");
    expect((await listRecentDecisions(c, {}, now)).map((d) => d.instanceId)).toEqual(["b", "c", "a"]);
    expect((await listRecentDecisions(c, { repository: "team/risky-app" }, now)).map((d) => d.instanceId)).toEqual([
      "b",
      "a",
    ]);
    expect(
      (await listRecentDecisions(c, { repository: "TEAM/risky-app", outcome: "Passed" }, now)).map((d) => d.instanceId),
    ).toEqual(["a"]);
    expect(await listRecentDecisions(c, { outcome: "left-quarantined" }, now)).toEqual([]);
  });
});
