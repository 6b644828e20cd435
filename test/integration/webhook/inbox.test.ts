import { createHash } from "node:crypto";
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { isStorageUnavailable } from "../../../src/http/storage-unavailable.js";
import { pipelineInstanceId, type ImageKey } from "../../../src/pipeline/contract/index.js";
import { drainInbox } from "../../../src/pipeline/webhook/inbox-drain.js";
import { MAX_ENTRIES_PER_TRANSACTION, TableWebhookInbox, type InboxRow } from "../../../src/pipeline/webhook/inbox.js";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";

const image = (i: number): ImageKey => ({
  loginServer: "contoso.azurecr.io",
  repository: "burst/app",
  digest: `sha256:${createHash("sha256").update(String(i)).digest("hex")}`,
});
const entry = (i: number, tag = `v${i}`) => ({
  image: image(i),
  source: "webhook" as const,
  tag,
  receivedAt: "2026-12-02T00:00:00.000Z",
});

async function rows(inbox: TableWebhookInbox): Promise<InboxRow[]> {
  const all: InboxRow[] = [];
  for await (const row of inbox.pending(() => undefined)) all.push(row);
  return all;
}

/** The webhook inbox against Azurite's real entity group transactions. */
describe("the webhook inbox (group commit into Table Storage)", () => {
  let azurite: TestAzurite;
  let n = 0;
  const table = () =>
    TableClient.fromConnectionString(azurite.connectionString, `inbox${++n}`, { allowInsecureConnection: true });
  beforeAll(async () => {
    azurite = await startTestAzurite();
  });
  afterAll(async () => azurite?.dispose());

  it("commits a burst of 450 deliveries in transactions of at most 100, and keeps every one", async () => {
    const client = table();
    const transactions = vi.spyOn(client, "submitTransaction");
    const inbox = new TableWebhookInbox(client);
    await Promise.all(Array.from({ length: 450 }, (_, i) => inbox.accept(entry(i))));
    const sizes = transactions.mock.calls.map(([actions]) => actions.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(450);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_ENTRIES_PER_TRANSACTION);
    // Group commit: far fewer requests than deliveries (450 arrive in one tick here: five full transactions).
    expect(sizes.length).toBeLessThanOrEqual(10);
    const stored = await rows(inbox);
    expect(stored.map((r) => r.instanceId).sort()).toEqual(
      Array.from({ length: 450 }, (_, i) => pipelineInstanceId(image(i))).sort(),
    );
    expect(stored.find((r) => r.instanceId === pipelineInstanceId(image(7)))).toMatchObject({
      image: image(7),
      source: "webhook",
      tag: "v7",
    });
  });

  it("repeats of a digest in one batch and across batches are one row (the last delivery's tag)", async () => {
    const inbox = new TableWebhookInbox(table());
    await Promise.all([inbox.accept(entry(1, "a")), inbox.accept(entry(1, "b")), inbox.accept(entry(2))]);
    await inbox.accept(entry(1, "c"));
    const stored = await rows(inbox);
    expect(stored).toHaveLength(2);
    expect(stored.find((r) => r.instanceId === pipelineInstanceId(image(1)))!.tag).toBe("c");
  });

  it("remove deletes a started entry, but not one a later delivery replaced meanwhile", async () => {
    const inbox = new TableWebhookInbox(table());
    await inbox.accept(entry(1));
    await inbox.accept(entry(2));
    const [first, second] = (await rows(inbox)).sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    await inbox.accept(first!.instanceId === pipelineInstanceId(image(1)) ? entry(1, "again") : entry(2, "again"));
    await inbox.remove(first!);
    await inbox.remove(second!);
    await inbox.remove(second!); // already gone: nothing to do
    const left = await rows(inbox);
    expect(left.map((r) => r.instanceId)).toEqual([first!.instanceId]);
    expect(left[0]!.tag).toBe("again");
  });

  it("a drain starts every entry once, removes it, and leaves a failed start for the next drain", async () => {
    const inbox = new TableWebhookInbox(table());
    await Promise.all(Array.from({ length: 30 }, (_, i) => inbox.accept(entry(i))));
    const failing = pipelineInstanceId(image(3));
    const starts: string[] = [];
    const warnings: string[] = [];
    const start = async (e: { image: ImageKey }) => {
      const id = pipelineInstanceId(e.image);
      starts.push(id);
      if (id === failing) throw Object.assign(new Error("host down"), { code: "ERR_DURABLE_BACKEND_UNAVAILABLE" });
      return { instanceId: id, started: true, runtimeStatus: "Pending" };
    };
    const report = await drainInbox({ inbox, start, log: () => undefined, warn: (w) => warnings.push(w) });
    expect(report).toEqual({ started: 29, existing: 0, failed: 1, unreadable: 0 });
    expect(new Set(starts).size).toBe(30);
    expect((await rows(inbox)).map((r) => r.instanceId)).toEqual([failing]);
    expect(warnings.join("\n")).toContain("ERR_DURABLE_BACKEND_UNAVAILABLE");
    // The next drain tries it again; a start that finds the pipeline there counts as done.
    const again = await drainInbox({
      inbox,
      start: async (e) => ({ instanceId: pipelineInstanceId(e.image), started: false, runtimeStatus: "Running" }),
      log: () => undefined,
      warn: () => undefined,
    });
    expect(again).toEqual({ started: 0, existing: 1, failed: 0, unreadable: 0 });
    expect(await rows(inbox)).toEqual([]);
  });

  it("a row that is not an inbox entry is reported and left, never started", async () => {
    const client = table();
    const inbox = new TableWebhookInbox(client);
    await inbox.accept(entry(1));
    await client.upsertEntity({ partitionKey: "pending", rowKey: "qp-forged", loginServer: "x", repository: "y" });
    const starts: string[] = [];
    const report = await drainInbox({
      inbox,
      start: async (e) => {
        starts.push(pipelineInstanceId(e.image));
        return { instanceId: pipelineInstanceId(e.image), started: true, runtimeStatus: "Pending" };
      },
      log: () => undefined,
      warn: () => undefined,
    });
    expect(report).toMatchObject({ started: 1, unreadable: 1 });
    expect(starts).toEqual([pipelineInstanceId(image(1))]);
  });

  it("storage out of reach: every delivery of the commit is refused with a storage-unavailable error", async () => {
    const gone = TableClient.fromConnectionString(
      azurite.connectionString.replace(`:${azurite.tablePort}/`, ":9/"),
      "inboxgone",
      { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } },
    );
    const inbox = new TableWebhookInbox(gone);
    const results = await Promise.allSettled([inbox.accept(entry(1)), inbox.accept(entry(2))]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    for (const r of results) expect(isStorageUnavailable((r as PromiseRejectedResult).reason)).toBe(true);
  });
});
