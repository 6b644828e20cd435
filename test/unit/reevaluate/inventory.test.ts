import { describe, expect, it } from "vitest";
import { inventoryPage } from "../../../src/reevaluate/inventory.js";
import { lockRecord, type RemediationRecord } from "../../../src/reevaluate/records.js";
import { MemoryRemediationStore } from "../../../src/reevaluate/store.js";

const NOW = new Date("2026-03-10T00:00:00Z");
const image = (n: number) => ({
  loginServer: "gate.azurecr.io",
  repository: `team/app-${n}`,
  digest: "sha256:" + String(n).repeat(64).slice(0, 64),
});
const record = (n: number, over: Partial<RemediationRecord>): RemediationRecord => ({
  ...image(n),
  findingId: `CVE-2026-${n}`,
  package: "openssl",
  severity: "Critical",
  firstSeen: "2026-03-01T00:00:00.000Z",
  dueBy: "2026-03-30T00:00:00.000Z",
  state: "open",
  remindersSent: [],
  updatedAt: "2026-03-01T00:00:00.000Z",
  ...over,
});

async function store() {
  const s = new MemoryRemediationStore();
  await s.put([
    record(1, { dueBy: "2026-03-12T00:00:00.000Z" }), // due soon
    record(2, {}), // released, due later
    record(3, { state: "blocked", dueBy: "2026-03-08T00:00:00.000Z" }),
    lockRecord(image(3), "2026-03-08T00:00:00.000Z"),
    lockRecord(image(4), "2026-03-09T00:00:00.000Z"), // blocked at a break-glass expiry, no finding record
    record(5, { state: "closed", closedReason: "exception-applied" }),
  ]);
  return s;
}

const query = (state: "released" | "blocked" | "due-soon", limit = 100, cursor?: string) => ({
  state,
  limit,
  cursor,
  withinDays: 7,
  now: NOW,
});

describe("inventory of tracked images", () => {
  it("blocked: locked images, with their open findings (the lock record is not a finding)", async () => {
    const page = await inventoryPage(await store(), query("blocked"));
    expect(page.images.map((i) => [i.image.split("@")[0], i.openFindings.map((f) => f.findingId)])).toEqual([
      ["gate.azurecr.io/team/app-3", ["CVE-2026-3"]],
      ["gate.azurecr.io/team/app-4", []],
    ]);
    expect(page.next).toBeUndefined();
  });

  it("due-soon: not blocked, a deadline within the days asked", async () => {
    const page = await inventoryPage(await store(), query("due-soon"));
    expect(page.images.map((i) => i.image.split("@")[0])).toEqual(["gate.azurecr.io/team/app-1"]);
    expect(page.images[0]).toMatchObject({ state: "released", nextDueBy: "2026-03-12T00:00:00.000Z" });
  });

  it("released: every tracked image not blocked, paged with a cursor that walks all of them once", async () => {
    const s = await store();
    const first = await inventoryPage(s, query("released", 2));
    expect(first.images.map((i) => i.image.split("@")[0])).toEqual([
      "gate.azurecr.io/team/app-1",
      "gate.azurecr.io/team/app-2",
    ]);
    expect(first.next).toBeDefined();
    const second = await inventoryPage(s, query("released", 2, first.next));
    expect(second.images.map((i) => i.image.split("@")[0])).toEqual(["gate.azurecr.io/team/app-5"]);
    expect(second.images[0]!.openFindings).toEqual([]);
    expect(second.next).toBeUndefined();
  });
});
