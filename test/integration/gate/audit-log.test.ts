import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";
import { AuditLog } from "../../../src/audit/audit-log.js";
import { tableClient } from "../../../src/storage/clients.js";

describe("audit log in Table Storage (Azurite)", () => {
  let azurite: TestAzurite;
  beforeAll(async () => {
    azurite = await startTestAzurite();
  });
  afterAll(async () => azurite?.dispose());

  it("keeps every record of an image, oldest first, apart from other images", async () => {
    const log = new AuditLog(
      tableClient({ kind: "connectionString", connectionString: azurite.connectionString }, "GateAudit"),
    );
    const image = `localhost:5443/team/app@sha256:${"1".repeat(64)}`;
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
      image,
      action: "overridden",
      actor: "Bo Override (breakglass-1)",
      at: "2026-11-27T10:05:00.000Z",
      reason: "break-glass: hotfix",
      verdict: "fail",
    });
    await log.record({
      image: image.replace("team/app", "team/other"),
      action: "released",
      actor: "gate",
      at: "2026-11-27T10:00:00.000Z",
      reason: "pass",
    });
    const trail = await log.history(image);
    expect(trail.map((r) => r.action)).toEqual(["failed", "overridden"]);
    expect(trail[0]).toMatchObject({ verdict: "fail", findingsSummary: { Critical: 1 }, policyVersion: "v3" });
    expect(trail[1]!.actor).toContain("breakglass-1");
  });
});
