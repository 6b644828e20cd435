import { createHash } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDefaultHttpClient, type HttpClient, type PipelineRequest } from "@azure/core-rest-pipeline";
import { ManagedIdentityCredential } from "@azure/identity";
import {
  AcrClient,
  AcrRequestError,
  AcrThrottledError,
  QuarantineDetailsBuilder,
  type AcrClientOptions,
} from "../../../src/acr/index.js";
import type { LocalAcr } from "../../support/local-acr.js";
import { clientFor, count, resetStats, seed, startLocalAcrForClient, stats } from "./support.js";

const DETAILS = new QuarantineDetailsBuilder()
  .scanner("trivy")
  .state("scan passed")
  .result({ version: "1.0", summary: [] })
  .build();
const FAST_RETRY = { retryDelayMs: 20, maxRetryDelayMs: 200 };

function seededDigest(repository: string, index: number): string {
  return `sha256:${createHash("sha256").update(`${repository}#${index}`).digest("hex")}`;
}

/** The real HTTP client, noting every attempt and the status of every answer. */
function recording(): HttpClient & { attempts: number; statuses: number[] } {
  const inner = createDefaultHttpClient();
  const client = {
    attempts: 0,
    statuses: [] as number[],
    async sendRequest(request: PipelineRequest) {
      client.attempts++;
      const response = await inner.sendRequest(request);
      client.statuses.push(response.status);
      return response;
    },
  };
  return client;
}

describe("registry client resilience: throttling, injected faults, network errors, client-side rate limit", () => {
  let local: LocalAcr;
  const repository = "res/repo-0";

  /** A client with warm caches (challenge, exchange, token done), so that what follows is only the operations. */
  async function warmClient(options: Partial<AcrClientOptions> = {}) {
    const http = recording();
    const registry = clientFor(local, "gate", { httpClient: http, retry: FAST_RETRY, ...options }).registry(
      local.acr.loginServer,
    );
    await registry.getManifest(repository, seededDigest(repository, 0));
    http.statuses.length = 0;
    http.attempts = 0;
    return { http, registry };
  }

  beforeAll(async () => {
    local = await startLocalAcrForClient();
    await seed(local, { repositories: 1, manifestsPerRepository: 20, prefix: "res", quarantineState: "Quarantined" });
  });
  afterEach(async () => {
    await local.admin("PUT", "/throttling", null);
    await local.admin("PUT", "/faults", []);
  });
  afterAll(async () => local?.stop());

  it("absorbs the registry's 429s by waiting as Retry-After says: 10 concurrent writes against 2 writes/s all land", async () => {
    const { http, registry } = await warmClient();
    await local.admin("PUT", "/throttling", { readOpsPerMinute: 6000, writeOpsPerMinute: 120, burstSeconds: 2 });
    await resetStats(local);
    const writes = Array.from({ length: 10 }, (_, i) =>
      registry.setQuarantineState(repository, seededDigest(repository, i), { state: "Passed", details: DETAILS }),
    );
    const results = await Promise.all(writes);
    expect(results.every((m) => m.quarantine.state === "Passed")).toBe(true);
    const s = await stats(local);
    expect(count(s, "acr.manifests.patch")).toBe(10);
    expect(count(s, "throttled")).toBeGreaterThanOrEqual(6);
    expect(http.statuses.filter((status) => status === 429)).toHaveLength(count(s, "throttled"));
  });

  it("gives up at once with AcrThrottledError (and the registry's Retry-After) when the wait would exceed the time budget", async () => {
    const { http, registry } = await warmClient({ retry: { ...FAST_RETRY, maxRetryTimeMs: 5_000 } });
    await local.admin("PUT", "/throttling", { readOpsPerMinute: 6000, writeOpsPerMinute: 1, burstSeconds: 1 });
    await registry.setQuarantineState(repository, seededDigest(repository, 10), { state: "Failed", details: DETAILS });
    http.statuses.length = 0;
    const error = await registry
      .setQuarantineState(repository, seededDigest(repository, 11), { state: "Failed", details: DETAILS })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AcrThrottledError);
    expect(error).toMatchObject({
      code: "ERR_ACR_THROTTLED",
      acrCode: "TOOMANYREQUESTS",
      status: 429,
      request: { method: "PATCH" },
    });
    expect((error as AcrThrottledError).retryAfterMs).toBeGreaterThan(5_000);
    expect(http.statuses).toEqual([429]);
  });

  it("retries injected 503s and 500s, and a 429 without Retry-After, then succeeds", async () => {
    const { http, registry } = await warmClient();
    await local.admin("PUT", "/faults", [
      { method: "GET", pathPrefix: "/acr/v1/", status: 503, times: 2 },
      { method: "PATCH", pathPrefix: "/acr/v1/", status: 429, times: 2 },
    ]);
    const manifest = await registry.getManifest(repository, seededDigest(repository, 12));
    expect(manifest.digest).toBe(seededDigest(repository, 12));
    expect(http.statuses).toEqual([503, 503, 200]);
    http.statuses.length = 0;
    await local.admin("PUT", "/faults", [{ method: "PATCH", pathPrefix: "/acr/v1/", status: 429, times: 2 }]);
    await registry.setQuarantineState(repository, seededDigest(repository, 12), { state: "Passed", details: DETAILS });
    // The release token (its own scope, RELEASE_ACTIONS) first, then the PATCH: twice throttled, then accepted.
    expect(http.statuses).toEqual([200, 429, 429, 200]);
  });

  it("stops after maxRetries on a persistent 502, and does not retry a 501", async () => {
    const { http, registry } = await warmClient({ retry: { ...FAST_RETRY, maxRetries: 2 } });
    await local.admin("PUT", "/faults", [{ method: "GET", pathPrefix: "/acr/v1/", status: 502, times: 10 }]);
    const error = await registry.getManifest(repository, seededDigest(repository, 13)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AcrRequestError);
    expect(error).toMatchObject({ status: 502, acrCode: "UNKNOWN" });
    expect(http.statuses).toEqual([502, 502, 502]);

    http.statuses.length = 0;
    await local.admin("PUT", "/faults", [{ method: "GET", pathPrefix: "/acr/v1/", status: 501, times: 10 }]);
    await expect(registry.getManifest(repository, seededDigest(repository, 13))).rejects.toMatchObject({ status: 501 });
    expect(http.statuses).toEqual([501]);
  });

  it("retries network errors a bounded number of times and reports them as AcrRequestError", async () => {
    const http = recording();
    // Nothing listens on port 9 of loopback: every attempt is refused.
    const client = new AcrClient({
      credential: new ManagedIdentityCredential({ clientId: local.identities.gate.clientId }),
      allowedRegistries: ["localhost:9"],
      httpClient: http,
      retry: { ...FAST_RETRY, maxRetries: 3 },
    });
    const error = await client
      .registry("localhost:9")
      .getManifest(repository, seededDigest(repository, 0))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AcrRequestError);
    expect(String((error as Error).message)).toMatch(/ECONNREFUSED/);
    expect(http.attempts).toBe(4);
    expect(http.statuses).toEqual([]);
  });

  it("a client-side budget (requests per minute) keeps a caller under the registry's limit: no 429 at all", async () => {
    const throttling = { readOpsPerMinute: 60, writeOpsPerMinute: 6000, burstSeconds: 1 };
    const reads = (registry: Awaited<ReturnType<typeof warmClient>>["registry"]) =>
      Promise.all([14, 15, 16, 17].map((i) => registry.getManifest(repository, seededDigest(repository, i))));

    const unlimited = await warmClient();
    await local.admin("PUT", "/throttling", throttling);
    await resetStats(local);
    expect(await reads(unlimited.registry)).toHaveLength(4);
    expect(count(await stats(local), "throttled")).toBeGreaterThanOrEqual(3);

    const limited = await warmClient({ requestsPerMinute: 50 });
    await local.admin("PUT", "/throttling", throttling);
    await resetStats(local);
    expect(await reads(limited.registry)).toHaveLength(4);
    const s = await stats(local);
    expect(count(s, "throttled")).toBe(0);
    expect(count(s, "acr.manifests.get")).toBe(4);
  });
});
