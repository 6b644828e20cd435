import { createHash } from "node:crypto";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { isStorageUnavailable } from "../../../src/http/storage-unavailable.js";
import { pipelineInstanceId, type ImageKey } from "../../../src/pipeline/contract/index.js";
import { drainInbox } from "../../../src/pipeline/webhook/inbox-drain.js";
import { BlobWebhookInbox, MAX_ENTRIES_PER_COMMIT, type InboxBatch } from "../../../src/pipeline/webhook/inbox.js";
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

async function batches(inbox: BlobWebhookInbox): Promise<InboxBatch[]> {
  const all: InboxBatch[] = [];
  for await (const batch of inbox.pending(() => undefined)) all.push(batch);
  return all;
}

const started = (e: { image: ImageKey }) => ({
  instanceId: pipelineInstanceId(e.image),
  started: true,
  runtimeStatus: "Pending",
});
const quiet = { log: () => undefined, warn: () => undefined };

/** The webhook inbox against Azurite's Blob service. */
describe("the webhook inbox (group commit into blobs)", () => {
  let azurite: TestAzurite;
  let n = 0;
  const container = (): ContainerClient =>
    BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(`inbox-${++n}`);
  beforeAll(async () => {
    azurite = await startTestAzurite();
  });
  afterAll(async () => azurite?.dispose());

  it("commits a burst of 450 deliveries in blobs of at most 100, and keeps every one", async () => {
    const client = container();
    const uploads = vi.spyOn(client, "getBlockBlobClient");
    const inbox = new BlobWebhookInbox(client);
    await Promise.all(Array.from({ length: 450 }, (_, i) => inbox.accept(entry(i))));
    const stored = await batches(inbox);
    const sizes = stored.map((b) => b.entries.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(450);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_ENTRIES_PER_COMMIT);
    // Group commit: one upload per batch, far fewer than deliveries (450 arrive in one tick here: five full blobs).
    expect(uploads).toHaveBeenCalledTimes(stored.length);
    expect(stored.length).toBeLessThanOrEqual(10);
    expect(stored.flatMap((b) => b.entries).find((e) => e.tag === "v7")).toEqual(entry(7));
  });

  it("a drain starts each digest once (repeats in a batch collapse), then removes the batches", async () => {
    const inbox = new BlobWebhookInbox(container());
    await Promise.all([inbox.accept(entry(1, "a")), inbox.accept(entry(1, "b")), inbox.accept(entry(2))]);
    await inbox.accept(entry(1, "c"));
    const starts: string[] = [];
    const report = await drainInbox({
      inbox,
      start: async (e) => {
        starts.push(`${pipelineInstanceId(e.image)}:${e.tag}`);
        return starts.filter((s) => s.startsWith(pipelineInstanceId(e.image))).length > 1
          ? { instanceId: pipelineInstanceId(e.image), started: false, runtimeStatus: "Running" }
          : started(e);
      },
      ...quiet,
    });
    // Two batches: [1a, 1b, 2] started as 1 (its last tag) and 2; [1c] finds 1 already there.
    expect(report).toEqual({ started: 2, existing: 1, failed: 0, unreadable: 0 });
    expect(starts.filter((s) => s.startsWith(pipelineInstanceId(image(1))))).toHaveLength(2);
    expect(await batches(inbox)).toEqual([]);
  });

  it("a failed start keeps its batch for the next drain; the next drain finishes it", async () => {
    const inbox = new BlobWebhookInbox(container());
    await Promise.all(Array.from({ length: 30 }, (_, i) => inbox.accept(entry(i))));
    const failing = pipelineInstanceId(image(3));
    const warnings: string[] = [];
    const report = await drainInbox({
      inbox,
      start: async (e) => {
        if (pipelineInstanceId(e.image) === failing)
          throw Object.assign(new Error("host down"), { code: "ERR_DURABLE_BACKEND_UNAVAILABLE" });
        return started(e);
      },
      log: () => undefined,
      warn: (w) => warnings.push(w),
    });
    expect(report).toEqual({ started: 29, existing: 0, failed: 1, unreadable: 0 });
    expect(warnings.join("\n")).toContain("ERR_DURABLE_BACKEND_UNAVAILABLE");
    const left = await batches(inbox);
    expect(left.flatMap((b) => b.entries).map((e) => pipelineInstanceId(e.image))).toContain(failing);
    const again = await drainInbox({
      inbox,
      start: async (e) => ({ instanceId: pipelineInstanceId(e.image), started: false, runtimeStatus: "Running" }),
      ...quiet,
    });
    expect(again.failed).toBe(0);
    expect(await batches(inbox)).toEqual([]);
  });

  it("a blob that is not a batch, and an entry that is not a delivery, are reported and never started", async () => {
    const client = container();
    const inbox = new BlobWebhookInbox(client);
    await inbox.accept(entry(1));
    const put = async (name: string, body: string) =>
      client.getBlockBlobClient(name).upload(body, Buffer.byteLength(body));
    await put("pending/0-not-json.json", "{not json");
    await put(
      "pending/0-forged.json",
      JSON.stringify({
        version: 1,
        entries: [
          { image: { loginServer: "x", repository: "../etc", digest: "sha256:zz" }, source: "webhook" },
          entry(2),
        ],
      }),
    );
    const starts: string[] = [];
    const report = await drainInbox({
      inbox,
      start: async (e) => {
        starts.push(pipelineInstanceId(e.image));
        return started(e);
      },
      ...quiet,
    });
    expect(report).toMatchObject({ started: 2, unreadable: 2 });
    expect(starts.sort()).toEqual([pipelineInstanceId(image(1)), pipelineInstanceId(image(2))].sort());
    // Both bad blobs stay where they are, for a person to look at; the good batch is gone.
    expect((await batches(inbox)).map((b) => b.id)).toEqual(["pending/0-forged.json"]);
  });

  it("storage out of reach: every delivery of the commit is refused with a storage-unavailable error", async () => {
    const gone = BlobServiceClient.fromConnectionString(
      azurite.connectionString.replace(`:${azurite.blobPort}/`, ":9/"),
      { retryOptions: { maxTries: 1 } },
    ).getContainerClient("inbox-gone");
    const inbox = new BlobWebhookInbox(gone);
    const results = await Promise.allSettled([inbox.accept(entry(1)), inbox.accept(entry(2))]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    for (const r of results) expect(isStorageUnavailable((r as PromiseRejectedResult).reason)).toBe(true);
  });
});
