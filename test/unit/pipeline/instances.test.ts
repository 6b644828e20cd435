import { describe, expect, it } from "vitest";
import { findInstance, startPipeline, terminateIfLive } from "../../../src/pipeline/instances.js";
import { ORCHESTRATION, pipelineInstanceId } from "../../../src/pipeline/contract/index.js";
import { FakeDurableClient } from "./support/fake-durable-client.js";
import { IMAGE, pipelineInput } from "./support/fixtures.js";

const id = pipelineInstanceId(IMAGE);

describe("starting a pipeline, idempotently by digest", () => {
  it("starts one when there is none", async () => {
    const fake = new FakeDurableClient();
    expect(await startPipeline(fake.asClient(), pipelineInput())).toEqual({
      instanceId: id,
      started: true,
      runtimeStatus: "Pending",
    });
    expect(fake.started).toEqual([{ name: ORCHESTRATION.quarantinePipeline, instanceId: id, input: pipelineInput() }]);
  });

  it.each(["Pending", "Running", "Suspended", "ContinuedAsNew", "Completed"])(
    "starts nothing while one is %s",
    async (runtimeStatus) => {
      const fake = new FakeDurableClient().put({ instanceId: id, name: "quarantinePipeline", runtimeStatus });
      expect(await startPipeline(fake.asClient(), pipelineInput())).toEqual({
        instanceId: id,
        started: false,
        runtimeStatus,
      });
      expect(fake.started).toEqual([]);
    },
  );

  it.each(["Failed", "Terminated", "Canceled"])("starts afresh after one ended %s", async (runtimeStatus) => {
    const fake = new FakeDurableClient().put({ instanceId: id, name: "quarantinePipeline", runtimeStatus });
    expect((await startPipeline(fake.asClient(), pipelineInput())).started).toBe(true);
  });

  it("a status it does not know is not restartable: nothing starts", async () => {
    const fake = new FakeDurableClient().put({ instanceId: id, name: "quarantinePipeline", runtimeStatus: "Unknown" });
    expect((await startPipeline(fake.asClient(), pipelineInput())).started).toBe(false);
  });

  it("loses a race to a concurrent delivery gracefully, and rethrows anything else", async () => {
    const fake = new FakeDurableClient();
    fake.raceOnStart = { instanceId: id, name: "quarantinePipeline", runtimeStatus: "Running" };
    expect(await startPipeline(fake.asClient(), pipelineInput())).toEqual({
      instanceId: id,
      started: false,
      runtimeStatus: "Running",
    });
    const broken = new FakeDurableClient();
    broken.raceOnStart = { instanceId: id, name: "quarantinePipeline", runtimeStatus: "Failed" };
    await expect(startPipeline(broken.asClient(), pipelineInput())).rejects.toThrow(/409/);
  });

  it("finds nothing for an unknown id (the client's 404)", async () => {
    expect(await findInstance(new FakeDurableClient().asClient(), id)).toBeUndefined();
  });
});

describe("ending a live pipeline", () => {
  it.each(["Pending", "Running", "Suspended", "ContinuedAsNew"])("ends one that is %s", async (runtimeStatus) => {
    const fake = new FakeDurableClient().put({ instanceId: id, name: "quarantinePipeline", runtimeStatus });
    expect(await terminateIfLive(fake.asClient(), id, "deleted")).toBe(true);
    expect(fake.terminated).toEqual([{ instanceId: id, reason: "deleted" }]);
  });

  it.each(["Completed", "Failed", "Terminated"])("leaves one that is %s", async (runtimeStatus) => {
    const fake = new FakeDurableClient().put({ instanceId: id, name: "quarantinePipeline", runtimeStatus });
    expect(await terminateIfLive(fake.asClient(), id, "deleted")).toBe(false);
    expect(fake.terminated).toEqual([]);
  });
});
