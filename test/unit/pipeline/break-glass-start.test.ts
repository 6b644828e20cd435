import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ACTIVITY,
  ACTIVITY_IDEMPOTENCY,
  ORCHESTRATION,
  breakGlassInstanceId,
  breakGlassRequestId,
  pipelineInstanceId,
  pipelineOfScan,
  startOrchestrationOnce,
  type ApprovalDecision,
  type BreakGlassInput,
} from "../../../src/pipeline/contract/index.js";
import { FakeDurableClient } from "./support/fake-durable-client.js";
import { IMAGE, pipelineInput, verdict } from "./support/fixtures.js";

const pipeline = pipelineInstanceId(IMAGE);
const request = (change: Partial<ApprovalDecision> = {}): ApprovalDecision => ({
  approve: true,
  reason: "production outage — justification: INC-4711: hotfix must ship",
  approver: { objectId: "oid-bo", name: "Bo Override", roles: ["Quarantine.Approver", "Quarantine.Override"] },
  override: true,
  decidedAt: "2024-02-01T10:00:00.000Z",
  ...change,
});
const input = (decision = request()): BreakGlassInput => ({
  pipeline: pipelineInput(),
  verdict: verdict("fail"),
  decision,
});

describe("break-glass ids come from the request, not the time", () => {
  it("the same request names the same release, whenever it is sent", () => {
    const id = breakGlassInstanceId(pipeline, request());
    expect(id).toMatch(new RegExp(`^bg-${pipeline.slice(3)}-[0-9a-f]{16}$`));
    expect(breakGlassInstanceId(pipeline, request({ decidedAt: "2024-02-02T00:00:00.000Z" }))).toBe(id);
    expect(id.endsWith(breakGlassRequestId(request()))).toBe(true);
  });

  it("another person or another justification is another request", () => {
    const id = breakGlassInstanceId(pipeline, request());
    expect(
      breakGlassInstanceId(pipeline, request({ approver: { ...request().approver, objectId: "oid-other" } })),
    ).not.toBe(id);
    expect(breakGlassInstanceId(pipeline, request({ reason: "other — justification: another reason" }))).not.toBe(id);
    expect(breakGlassInstanceId(pipelineInstanceId({ ...IMAGE, repository: "team/other" }), request())).not.toBe(id);
  });

  it("is never a pipeline's or a scan's id", () => {
    const id = breakGlassInstanceId(pipeline, request());
    expect(id).not.toBe(pipeline);
    expect(pipelineOfScan(`${id}.0.0123abcd`)).toBeUndefined();
  });
});

describe("starting a release once", () => {
  it("a repeated request finds the release it started and starts nothing", async () => {
    const fake = new FakeDurableClient();
    const id = breakGlassInstanceId(pipeline, request());
    const first = await startOrchestrationOnce(fake.asClient(), ORCHESTRATION.breakGlassRelease, id, input());
    expect(first).toEqual({ instanceId: id, started: true, runtimeStatus: "Pending" });
    for (const status of ["Pending", "Running", "Completed"]) {
      fake.instances.get(id)!.runtimeStatus = status;
      const again = breakGlassInstanceId(pipeline, request({ decidedAt: "2024-02-01T10:00:09.000Z" }));
      expect(await startOrchestrationOnce(fake.asClient(), ORCHESTRATION.breakGlassRelease, again, input())).toEqual({
        instanceId: id,
        started: false,
        runtimeStatus: status,
      });
    }
    expect(fake.started).toHaveLength(1);
  });

  it("a release that failed (the registry refused) may be started again by the same request", async () => {
    const id = breakGlassInstanceId(pipeline, request());
    const fake = new FakeDurableClient().put({
      instanceId: id,
      name: ORCHESTRATION.breakGlassRelease,
      runtimeStatus: "Failed",
    });
    expect(await startOrchestrationOnce(fake.asClient(), ORCHESTRATION.breakGlassRelease, id, input())).toMatchObject({
      started: true,
    });
    expect(fake.started.map((s) => s.instanceId)).toEqual([id]);
  });

  it("two requests racing: the loser reports the winner's release", async () => {
    const id = breakGlassInstanceId(pipeline, request());
    const fake = new FakeDurableClient();
    fake.raceOnStart = { instanceId: id, name: ORCHESTRATION.breakGlassRelease, runtimeStatus: "Running" };
    expect(await startOrchestrationOnce(fake.asClient(), ORCHESTRATION.breakGlassRelease, id, input())).toEqual({
      instanceId: id,
      started: false,
      runtimeStatus: "Running",
    });
    expect(fake.started).toEqual([]);
  });

  it("a start that fails for another reason is an error", async () => {
    const fake = new FakeDurableClient();
    fake.startNew = async () => {
      throw new Error("storage unavailable");
    };
    await expect(
      startOrchestrationOnce(
        fake.asClient(),
        ORCHESTRATION.breakGlassRelease,
        breakGlassInstanceId(pipeline, request()),
        input(),
      ),
    ).rejects.toThrow("storage unavailable");
  });
});

describe("every activity documents what a repeated delivery does", () => {
  it("one line per activity of the contract", () => {
    for (const name of Object.values(ACTIVITY)) expect(ACTIVITY_IDEMPOTENCY[name]).toMatch(/\w/);
    expect(Object.keys(ACTIVITY_IDEMPOTENCY).sort()).toEqual(Object.values(ACTIVITY).sort());
    // docs/pipeline.md's "Idempotent activities" table has a row for each of them too.
    const docs = readFileSync(new URL("../../../docs/pipeline.md", import.meta.url), "utf8");
    const table = docs.slice(docs.indexOf("## Idempotent activities"));
    for (const name of Object.values(ACTIVITY)) expect(table, name).toContain(`| \`${name}\` |`);
  });
});
