import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { TableClient } from "@azure/data-tables";
import { QueueServiceClient } from "@azure/storage-queue";
import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, describe, expect, it } from "vitest";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";
import { freshTempDir } from "../../support/paths.js";
import { buildDevHostCli } from "./support/build.js";
import { eventually } from "./support/fixture-host.js";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("local/azurite launcher", () => {
  const started: TestAzurite[] = [];
  const folders: string[] = [];
  afterAll(async () => {
    for (const a of started) await a.dispose().catch(() => undefined);
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  it("serves Blob, Queue and Table on free loopback ports, keeps data across a restart, and stops", async () => {
    const location = freshTempDir("azurite-persist");
    folders.push(location);
    const first = await startTestAzurite({ location });
    started.push(first);
    expect(new Set([first.blobPort, first.queuePort, first.tablePort]).size).toBe(3);
    expect(first.tableEndpoint).toBe(`http://127.0.0.1:${first.tablePort}/devstoreaccount1`);

    const table = TableClient.fromConnectionString(first.connectionString, "launcherProbe", {
      allowInsecureConnection: true,
    });
    await table.createTable();
    await table.createEntity({ partitionKey: "p", rowKey: "r", value: "kept" });
    const queues = QueueServiceClient.fromConnectionString(first.connectionString);
    await queues.createQueue("launcher-probe");
    await queues.getQueueClient("launcher-probe").sendMessage("hello");
    const container = BlobServiceClient.fromConnectionString(first.connectionString).getContainerClient(
      "launcher-probe",
    );
    await container.create();
    await container.getBlockBlobClient("b.txt").upload("blob body", 9);

    await first.close();
    expect(isAlive(first.pid)).toBe(false);
    await expect(fetch(`http://127.0.0.1:${first.tablePort}/`)).rejects.toThrow();

    const second = await startTestAzurite({ location });
    started.push(second);
    const again = TableClient.fromConnectionString(second.connectionString, "launcherProbe", {
      allowInsecureConnection: true,
    });
    expect((await again.getEntity<{ value: string }>("p", "r")).value).toBe("kept");
    const peeked = await QueueServiceClient.fromConnectionString(second.connectionString)
      .getQueueClient("launcher-probe")
      .peekMessages();
    expect(peeked.peekedMessageItems[0]?.messageText).toBe("hello");
    const blob = BlobServiceClient.fromConnectionString(second.connectionString)
      .getContainerClient("launcher-probe")
      .getBlobClient("b.txt");
    expect((await blob.downloadToBuffer()).toString()).toBe("blob body");
  });

  it("does not outlive a parent that is killed with SIGKILL", async () => {
    const cli = buildDevHostCli();
    try {
      const moduleUrl = pathToFileURL(join(cli.mainJs, "..", "..", "azurite", "index.js")).href;
      const location = freshTempDir("azurite-orphan");
      folders.push(location);
      const script = `import { startAzurite } from ${JSON.stringify(moduleUrl)};
        const a = await startAzurite({ location: ${JSON.stringify(location)} });
        console.log("AZURITE_PID " + a.pid);
        setInterval(() => {}, 1000);`;
      const parent = spawn(process.execPath, ["--input-type=module", "-e", script], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      parent.stdout.on("data", (d: Buffer) => (output += d.toString()));
      parent.stderr.on("data", (d: Buffer) => (output += d.toString()));
      const azuritePid = await eventually(
        async () => {
          const match = /AZURITE_PID (\d+)/.exec(output);
          return match ? Number(match[1]) : undefined;
        },
        `Azurite to start under a parent (output: ${output})`,
        60_000,
      );
      expect(isAlive(azuritePid)).toBe(true);
      parent.kill("SIGKILL");
      await eventually(
        async () => (isAlive(azuritePid) ? undefined : true),
        "Azurite to exit after its parent died",
        30_000,
      );
    } finally {
      cli.dispose();
    }
  });
});
