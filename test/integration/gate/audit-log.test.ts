import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TableClient } from "@azure/data-tables";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";
import { AuditLog } from "../../../src/audit/audit-log.js";
import { tableClient } from "../../../src/storage/clients.js";

describe("audit log in Table Storage (Azurite)", () => {
  let azurite: TestAzurite;
  let table: TableClient;
  let log: AuditLog;
  beforeAll(async () => {
    azurite = await startTestAzurite();
    table = tableClient({ kind: "connectionString", connectionString: azurite.connectionString }, "GateAudit");
    log = new AuditLog(table);
  });
  afterAll(async () => azurite?.dispose());

  const rowsOf = async (image: string) => {
    const partition = Buffer.from(image).toString("base64url");
    const rows: Array<{ rowKey: string; action: string }> = [];
    for await (const e of table.listEntities<{ action: string }>({
      queryOptions: { filter: `PartitionKey eq '${partition}'` },
    }))
      rows.push({ rowKey: e.rowKey!, action: e.action });
    return rows;
  };

  it("keeps every record of an image, oldest first, apart from other images", async () => {
    const image = `localhost:5443/team/app@sha256:${"1".repeat(64)}`;
    await log.record({
      image,
      action: "overridden",
      actor: "Bo Override (breakglass-1)",
      at: "2026-11-27T10:05:00.000Z",
      reason: "break-glass: hotfix",
      verdict: "fail",
    });
    await log.record({
      image,
      action: "failed",
      actor: "policy",
      at: "2026-11-27T10:00:01.000Z",
      reason: "1 critical",
      verdict: "fail",
      findingsSummary: { Critical: 1 },
      policyVersion: "v3",
    });
    await log.record({
      image: image.replace("team/app", "team/other"),
      action: "released",
      actor: "gate",
      at: "2026-11-27T10:00:00.000Z",
      reason: "pass",
    });
    // Written newest first: the trail is still ordered by time, not by row key.
    const trail = await log.history(image);
    expect(trail.map((r) => r.action)).toEqual(["failed", "overridden"]);
    expect(trail[0]).toMatchObject({ verdict: "fail", findingsSummary: { Critical: 1 }, policyVersion: "v3" });
    expect(trail[1]!.actor).toContain("breakglass-1");
  });

  it("writes one event once: the same record again (a second delivery) finds its row (409 EntityAlreadyExists)", async () => {
    const image = `localhost:5443/team/app@sha256:${"2".repeat(64)}`;
    const entry = {
      image,
      action: "released" as const,
      actor: "policy",
      at: "2026-11-27T11:00:00.000Z",
      reason: "the policy passed every finding",
      instanceId: "qp-2",
    };
    const key = { scope: "qp-2", identity: entry.at };
    await log.record(entry, key);
    await log.record(entry, key);
    // A second AuditLog, as a restarted host would have, with its table already there.
    await new AuditLog(table).record(entry, key);
    expect(await rowsOf(image)).toHaveLength(1);
    expect((await log.history(image)).map((r) => r.action)).toEqual(["released"]);
  });

  it("different events stay apart, even in the same millisecond", async () => {
    const image = `localhost:5443/team/app@sha256:${"3".repeat(64)}`;
    const at = "2026-11-27T12:00:00.000Z";
    const base = { image, actor: "gate", at, reason: "r", instanceId: "qp-3" };
    await log.record({ ...base, action: "left-quarantined" }, { scope: "qp-3", identity: at });
    await log.record({ ...base, action: "failed" }, { scope: "qp-3", identity: at });
    await log.record({ ...base, action: "left-quarantined" }, { scope: "qp-3", identity: `${at}-restart` });
    await log.record({ ...base, action: "left-quarantined" }, { scope: "qp-other", identity: at });
    // Without a key of the caller's: the instance, the time and the actor.
    await log.record({ ...base, action: "expired", actor: "compliance-sweep" });
    await log.record({ ...base, action: "expired", actor: "compliance-sweep" });
    expect((await rowsOf(image)).map((r) => r.action).sort()).toEqual([
      "expired",
      "failed",
      "left-quarantined",
      "left-quarantined",
      "left-quarantined",
    ]);
  });

  it("reads records written before the keys were derived (time-prefixed row keys) in time order with new ones", async () => {
    const image = `localhost:5443/team/app@sha256:${"4".repeat(64)}`;
    const partitionKey = Buffer.from(image).toString("base64url");
    await table.createEntity({
      partitionKey,
      rowKey: "2026-11-27T13:00:05.000Z_1a2b3c4d",
      image,
      action: "pipeline-ended",
      actor: "gate",
      at: "2026-11-27T13:00:05.000Z",
      reason: "older vocabulary",
    });
    await log.record({ image, action: "released", actor: "policy", at: "2026-11-27T13:00:00.000Z", reason: "pass" });
    expect((await log.history(image)).map((r) => r.action)).toEqual(["released", "pipeline-ended"]);
  });
});
