import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lockRecord, type RemediationRecord } from "../../../src/reevaluate/records.js";
import { TableRemediationStore } from "../../../src/reevaluate/store.js";
import { storageConnection, tableClient } from "../../../src/storage/clients.js";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";

const IMAGE = { loginServer: "gate.azurecr.io", repository: "team/api", digest: "sha256:" + "d".repeat(64) };
const OTHER = { ...IMAGE, repository: "team/other" };
const record = (over: Partial<RemediationRecord> = {}): RemediationRecord => ({
  ...IMAGE,
  findingId: "CVE-2026-1",
  package: "openssl",
  severity: "Critical",
  firstSeen: "2026-03-01T00:00:00.000Z",
  dueBy: "2026-03-08T00:00:00.000Z",
  state: "open",
  remindersSent: [7],
  updatedAt: "2026-03-01T00:00:00.000Z",
  ...over,
});

describe("remediation records in Table Storage (Azurite)", () => {
  let azurite: TestAzurite;
  let store: TableRemediationStore;

  beforeAll(async () => {
    azurite = await startTestAzurite();
    const connection = storageConnection({ AzureWebJobsStorage: azurite.connectionString });
    store = new TableRemediationStore(tableClient(connection, "testRemediation"));
  });
  afterAll(async () => azurite?.dispose());

  it("writes, reads back per image, replaces on update, lists by state", async () => {
    await store.put([record(), record({ findingId: "CVE-2026-2", package: "zlib" }), { ...record(), ...OTHER }]);
    await store.put([record({ state: "blocked", remindersSent: [7, 1], updatedAt: "2026-03-08T00:00:00.000Z" })]);
    await store.put([lockRecord(IMAGE, "2026-03-08T00:00:00.000Z")]);
    const mine = await store.recordsOf(IMAGE);
    expect(mine).toHaveLength(3);
    expect(mine.find((r) => r.findingId === "CVE-2026-1")).toEqual(
      record({ state: "blocked", remindersSent: [7, 1], updatedAt: "2026-03-08T00:00:00.000Z" }),
    );
    const blocked = [];
    for await (const r of store.list(["blocked"])) blocked.push(`${r.repository}|${r.findingId}`);
    expect(blocked.sort()).toEqual(["team/api|CVE-2026-1", "team/api|gate:lock"]);
    const all = [];
    for await (const r of store.list()) all.push(r);
    expect(all).toHaveLength(4);
  });

  it("a storage that cannot be reached is a typed error, not an empty list", async () => {
    const connection = storageConnection({
      AzureWebJobsStorage: azurite.connectionString
        .replace(/:\d+\/devstoreaccount1;$/, ":1/devstoreaccount1;")
        .replace(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+/, "TableEndpoint=http://127.0.0.1:1"),
    });
    const broken = new TableRemediationStore(tableClient(connection, "testRemediation"));
    await expect(broken.recordsOf(IMAGE)).rejects.toMatchObject({ code: "reevaluation-store-failed" });
  });
});
