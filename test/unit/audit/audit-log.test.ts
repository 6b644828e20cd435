import { describe, expect, it } from "vitest";
import { RestError, createHttpHeaders, createPipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import type { TableClient } from "@azure/data-tables";
import { AuditLog, auditRowKey } from "../../../src/audit/audit-log.js";

const request = createPipelineRequest({ url: "http://127.0.0.1:10002/devstoreaccount1/GateAudit" });
function tableError(statusCode: number, code: string): RestError {
  // The parsed body is where @azure/data-tables' deserializer puts the service's odata error.
  const response: PipelineResponse & { parsedBody: unknown } = {
    status: statusCode,
    headers: createHttpHeaders(),
    request,
    parsedBody: { odataError: { code } },
  };
  return new RestError(code, { statusCode, code, request, response });
}

/** A TableClient that fails createEntity with the given errors, in order, and records the entities it was given. */
function table(errors: Array<Error | undefined>) {
  const entities: Array<Record<string, unknown>> = [];
  const client = {
    createTable: async () => undefined,
    createEntity: async (entity: Record<string, unknown>) => {
      entities.push(entity);
      const error = errors.shift();
      if (error) throw error;
    },
  };
  return { client: client as unknown as TableClient, entities };
}

const entry = {
  image: "r.azurecr.io/team/app@sha256:" + "a".repeat(64),
  action: "released" as const,
  actor: "policy",
  at: "2026-01-01T00:00:00.000Z",
  reason: "pass",
  instanceId: "qp-1",
};

describe("audit row keys", () => {
  it("are a function of scope, action and identity: no randomness, no clock", () => {
    const key = { scope: "qp-1", identity: "2026-01-01T00:00:00.000Z" };
    expect(auditRowKey(key, "released")).toBe(auditRowKey({ ...key }, "released"));
    expect(auditRowKey(key, "released")).toMatch(/^ev-[0-9a-f]{40}$/);
    expect(auditRowKey(key, "failed")).not.toBe(auditRowKey(key, "released"));
    expect(auditRowKey({ ...key, scope: "qp-2" }, "released")).not.toBe(auditRowKey(key, "released"));
    expect(auditRowKey({ ...key, identity: "x" }, "released")).not.toBe(auditRowKey(key, "released"));
    // The parts cannot run into each other.
    expect(auditRowKey({ scope: "a|b", identity: "c" }, "d")).not.toBe(
      auditRowKey({ scope: "a", identity: "b|c" }, "d"),
    );
  });

  it("the same record written twice gets the same key; the caller's key wins over the default", async () => {
    const t = table([]);
    const log = new AuditLog(t.client);
    await log.record(entry);
    await log.record({ ...entry });
    await log.record(entry, { scope: "qp-1", identity: "decision-1" });
    expect(t.entities[0]!.rowKey).toBe(t.entities[1]!.rowKey);
    expect(t.entities[2]!.rowKey).toBe(auditRowKey({ scope: "qp-1", identity: "decision-1" }, "released"));
  });
});

describe("insert-if-absent", () => {
  it("a row already there (409 EntityAlreadyExists) is done", async () => {
    const log = new AuditLog(table([tableError(409, "EntityAlreadyExists")]).client);
    await expect(log.record(entry)).resolves.toBeUndefined();
  });

  it("any other failure is an error: another 409, a 503, a network error", async () => {
    for (const error of [
      tableError(409, "TableBeingDeleted"),
      tableError(503, "ServerBusy"),
      new RestError("socket hang up", { code: "ECONNRESET" }),
    ]) {
      const log = new AuditLog(table([error]).client);
      await expect(log.record(entry)).rejects.toBe(error);
    }
  });
});
