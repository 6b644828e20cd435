import { RestError } from "@azure/core-rest-pipeline";
import { describe, expect, it, vi } from "vitest";
import { problemFor } from "../../../src/http/errors.js";
import { isStorageUnavailable } from "../../../src/http/storage-unavailable.js";
import { ORCHESTRATION, pipelineInstanceId } from "../../../src/pipeline/contract/index.js";
import { DurableBackendUnavailableError, startPipeline } from "../../../src/pipeline/instances.js";
import type { StartClaims } from "../../../src/pipeline/webhook/start-claims.js";
import { FakeDurableClient } from "./support/fake-durable-client.js";
import { IMAGE, pipelineInput } from "./support/fixtures.js";

const id = pipelineInstanceId(IMAGE);
const NOW = new Date("2024-03-01T00:00:00Z");

/** Claims as Table Storage's insert-if-absent gives them: the first claim of an id wins, every later one loses. */
class MemoryClaims implements StartClaims {
  readonly ids = new Set<string>();
  async claim(instanceId: string): Promise<boolean> {
    if (this.ids.has(instanceId)) return false;
    this.ids.add(instanceId);
    return true;
  }
}

describe("the webhook's start: no status read for the first delivery of a digest", () => {
  it("the first delivery claims the id and starts at once, without reading the status", async () => {
    const fake = new FakeDurableClient();
    const statusReads = vi.spyOn(fake, "getStatus");
    const claims = new MemoryClaims();
    expect(await startPipeline(fake.asClient(), pipelineInput(), { claims, now: NOW })).toEqual({
      instanceId: id,
      started: true,
      runtimeStatus: "Pending",
    });
    expect(statusReads).not.toHaveBeenCalled();
    expect(fake.started).toEqual([{ name: ORCHESTRATION.quarantinePipeline, instanceId: id, input: pipelineInput() }]);
    expect(claims.ids).toEqual(new Set([id]));
  });

  it.each(["Running", "Completed"])(
    "a repeated delivery reads the status and leaves a %s pipeline alone",
    async (runtimeStatus) => {
      const fake = new FakeDurableClient();
      const claims = new MemoryClaims();
      await startPipeline(fake.asClient(), pipelineInput(), { claims, now: NOW });
      fake.instances.get(id)!.runtimeStatus = runtimeStatus;
      expect(await startPipeline(fake.asClient(), pipelineInput(), { claims, now: NOW })).toEqual({
        instanceId: id,
        started: false,
        runtimeStatus,
      });
      expect(fake.started).toHaveLength(1);
    },
  );

  it("a repeated delivery after the pipeline failed starts it afresh", async () => {
    const fake = new FakeDurableClient();
    const claims = new MemoryClaims();
    await startPipeline(fake.asClient(), pipelineInput(), { claims, now: NOW });
    fake.instances.get(id)!.runtimeStatus = "Failed";
    expect((await startPipeline(fake.asClient(), pipelineInput(), { claims, now: NOW })).started).toBe(true);
    expect(fake.started).toHaveLength(2);
  });

  it("a start the host refuses (409: a live instance has the id) is answered as already running, from its status", async () => {
    const fake = new FakeDurableClient();
    fake.raceOnStart = { instanceId: id, name: ORCHESTRATION.quarantinePipeline, runtimeStatus: "Running" };
    expect(await startPipeline(fake.asClient(), pipelineInput(), { claims: new MemoryClaims(), now: NOW })).toEqual({
      instanceId: id,
      started: false,
      runtimeStatus: "Running",
    });
  });

  it("a claim that cannot be written (storage down) starts nothing and answers 503 with Retry-After", async () => {
    const fake = new FakeDurableClient();
    const down = new RestError("connect ECONNREFUSED 127.0.0.1:10002", { code: "ECONNREFUSED" });
    const claims: StartClaims = { claim: () => Promise.reject(down) };
    const failure = await startPipeline(fake.asClient(), pipelineInput(), { claims, now: NOW }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBe(down);
    expect(fake.started).toEqual([]);
    expect(problemFor(failure)).toEqual({
      status: 503,
      headers: { "Retry-After": "10" },
      jsonBody: { error: "storage is unavailable; try again later" },
    });
  });

  it("a durable host that answers 5xx (its storage is down) is 503 with Retry-After too", async () => {
    const fake = new FakeDurableClient();
    fake.getStatus = () =>
      Promise.reject(new Error('The operation failed with an unexpected status code: 500. Details: {"error":"x"}'));
    const failure = await startPipeline(fake.asClient(), pipelineInput()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DurableBackendUnavailableError);
    expect(problemFor(failure)).toMatchObject({ status: 503, headers: { "Retry-After": "10" } });
  });
});

describe("which storage errors mean 'unavailable'", () => {
  it.each([
    [new RestError("refused", { code: "ECONNREFUSED" }), true],
    [new RestError("reset", { code: "ECONNRESET" }), true],
    [new RestError("send", { code: RestError.REQUEST_SEND_ERROR }), true],
    [new RestError("busy", { statusCode: 503, code: "ServerBusy" }), true],
    [new RestError("timed out", { statusCode: 500, code: "OperationTimedOut" }), true],
    [new RestError("exists", { statusCode: 409, code: "EntityAlreadyExists" }), false],
    [new RestError("auth", { statusCode: 403, code: "AuthorizationFailure" }), false],
    [new RestError("other 500", { statusCode: 500, code: "SomethingElse" }), false],
    [new Error("ECONNREFUSED, but not the storage client's"), false],
  ])("%s → %s", (error, unavailable) => {
    expect(isStorageUnavailable(error)).toBe(unavailable);
    expect(problemFor(error)?.status === 503).toBe(unavailable);
  });
});
