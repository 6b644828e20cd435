import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManagedIdentityCredential } from "@azure/identity";
import { AcrClient, loginServer } from "../../../src/acr/index.js";
import { tableClient } from "../../../src/storage/clients.js";
import { PassBusyError, PassLostError, PassStore, freshPass } from "../../../src/sweep/checkpoint.js";
import { RequestCounter } from "../../../src/sweep/enumerate/request-counter.js";
import { MAX_REPEATED_FAILURES, PAGE_SIZE, runPass } from "../../../src/sweep/pass-runner.js";
import type { LocalAcr } from "../../support/local-acr.js";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";
import { startLocalAcrForClient } from "../acr-client/support.js";

describe("sweep passes against the ACR emulator and Azurite: lease, resume state, read budget", () => {
  let local: LocalAcr;
  let azurite: TestAzurite;
  let passes: PassStore;
  const REGISTRY = () => loginServer(local.acr.loginServer);

  beforeAll(async () => {
    [local, azurite] = await Promise.all([startLocalAcrForClient(), startTestAzurite()]);
    passes = new PassStore(
      tableClient({ kind: "connectionString", connectionString: azurite.connectionString }, "SweepPassTest"),
    );
  });
  afterAll(async () => {
    await local?.stop();
    await azurite?.dispose();
  });

  it("lets one run hold a registry at a time, hands an unfinished pass to the next run, and detects a takeover", async () => {
    const now = new Date();
    const later = new Date(now.getTime() + 60_000);
    const first = await passes.acquire("sweep", "contoso.azurecr.io", "run-a", later, now);
    expect(first.resumed).toBeUndefined();
    await expect(passes.acquire("sweep", "contoso.azurecr.io", "run-b", later, now)).rejects.toBeInstanceOf(
      PassBusyError,
    );
    // Another registry and another kind are independent.
    await (
      await passes.acquire("sweep", "fabrikam.azurecr.io", "run-b", later, now)
    ).save(freshPass(now), { release: true });
    await (
      await passes.acquire("backfill", "contoso.azurecr.io", "run-b", later, now)
    ).save(freshPass(now), { release: true });

    const unfinished = {
      ...freshPass(now),
      position: { lastCompleted: "team/b", completedAhead: ["team/d"] },
      lastError: "503",
      totals: { manifests: 7 },
    };
    await first.save(unfinished, { release: true });
    const second = await passes.acquire("sweep", "contoso.azurecr.io", "run-b", later, now);
    expect(second.resumed).toMatchObject({
      passId: unfinished.passId,
      inProgress: true,
      position: unfinished.position,
      lastError: "503",
      totals: { manifests: 7 },
    });
    expect(await passes.read("sweep", "contoso.azurecr.io")).toMatchObject({ passId: unfinished.passId });

    // run-b dies holding the lease; once it has run out, run-c takes over and run-b can no longer write.
    const afterExpiry = new Date(later.getTime() + 1);
    const third = await passes.acquire(
      "sweep",
      "contoso.azurecr.io",
      "run-c",
      new Date(afterExpiry.getTime() + 60_000),
      afterExpiry,
    );
    expect(third.resumed?.passId).toBe(unfinished.passId);
    await expect(second.save(unfinished)).rejects.toBeInstanceOf(PassLostError);
    await third.save({ ...unfinished, inProgress: false }, { release: true });
    expect((await passes.acquire("sweep", "contoso.azurecr.io", "run-d", later, now)).resumed).toBeUndefined();
  });

  it("stays inside its share of the registry's ReadOps where an unbudgeted walk draws 429s", async () => {
    await local.admin("POST", "/seed", { repositories: 20, manifestsPerRepository: 3, prefix: "budget" });
    // A small registry: 600 ReadOps/min with one second of burst. The sweep's share: 20 % = 120/min.
    await local.admin("PUT", "/throttling", { readOpsPerMinute: 600, writeOpsPerMinute: 600, burstSeconds: 1 });
    try {
      const walk = async (requestsPerMinute: number | undefined, name: string) => {
        const counter = new RequestCounter();
        const acr = new AcrClient({
          credential: new ManagedIdentityCredential({ clientId: local.identities.gate.clientId }),
          allowedRegistries: [local.acr.loginServer],
          pageSize: PAGE_SIZE,
          httpClient: counter.httpClient(),
          ...(requestsPerMinute ? { requestsPerMinute } : {}),
        });
        await local.admin("DELETE", "/stats");
        let manifests = 0;
        const run = await runPass(
          "sweep",
          { registry: REGISTRY(), acr, passes, concurrency: 4, now: () => new Date() },
          {
            deadline: Date.now() + 60_000,
            onManifest: async () => void (manifests += 1),
          },
        );
        const stats = (await local.admin("GET", "/stats")) as Record<string, number>;
        return { run, manifests, counter, throttled: stats.throttled ?? 0, name };
      };
      const budgeted = await walk(120, "budgeted");
      expect(budgeted.run.outcome).toBe("complete");
      expect(budgeted.manifests).toBe(60);
      expect(budgeted.throttled).toBe(0);
      // One catalog page, one list per repository, nothing per manifest.
      expect(budgeted.counter.snapshot()).toMatchObject({ catalog: 1, manifestList: 20, manifestGet: 0 });

      await new Promise((r) => setTimeout(r, 1_100)); // let the registry's burst refill
      const unbudgeted = await walk(undefined, "unbudgeted");
      expect(unbudgeted.run.outcome).toBe("complete");
      expect(unbudgeted.throttled).toBeGreaterThan(0);
    } finally {
      await local.admin("PUT", "/throttling", null);
    }
  }, 90_000);

  it("gives up on a repository that fails run after run, so the rest of the registry is still swept", async () => {
    await local.admin("POST", "/seed", { repositories: 4, manifestsPerRepository: 1, prefix: "stuck" });
    await local.admin("PUT", "/faults", [
      { method: "GET", pathPrefix: "/acr/v1/stuck/repo-1/_manifests", status: 500, times: 1_000 },
    ]);
    try {
      const acr = new AcrClient({
        credential: new ManagedIdentityCredential({ clientId: local.identities.gate.clientId }),
        allowedRegistries: [local.acr.loginServer],
        pageSize: PAGE_SIZE,
        retry: { maxRetries: 0 },
      });
      const seen: string[] = [];
      const once = () =>
        runPass(
          "backfill",
          { registry: REGISTRY(), acr, passes, concurrency: 1, now: () => new Date() },
          {
            deadline: Date.now() + 60_000,
            onManifest: async (m) => void (m.repository.startsWith("stuck/") && seen.push(m.repository)),
          },
        );
      for (let run = 1; run <= MAX_REPEATED_FAILURES; run++) {
        const result = await once();
        expect(result).toMatchObject({
          outcome: "stopped-by-error",
          error: { repository: "stuck/repo-1" },
          pass: { failures: { repository: "stuck/repo-1", count: run } },
        });
      }
      const last = await once();
      expect(last).toMatchObject({ outcome: "complete", gaveUp: ["stuck/repo-1"] });
      expect([...new Set(seen)].sort()).toEqual(["stuck/repo-0", "stuck/repo-2", "stuck/repo-3"]);
      // Each of the others was read to the end once, despite four runs.
      expect(seen.filter((r) => r === "stuck/repo-0")).toHaveLength(1);
      expect(seen.filter((r) => r === "stuck/repo-3")).toHaveLength(1);
    } finally {
      await local.admin("PUT", "/faults", []);
    }
  });
});
