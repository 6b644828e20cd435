import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDefaultHttpClient, type HttpClient, type PipelineRequest } from "@azure/core-rest-pipeline";
import { AcrAuthError, QuarantineDetailsBuilder, type AcrClientOptions } from "../../../src/acr/index.js";
import type { LocalAcr, TestPrincipal } from "../../support/local-acr.js";
import { clientFor, count, resetStats, seed, startLocalAcrForClient, stats } from "./support.js";

const DETAILS = new QuarantineDetailsBuilder()
  .scanner("trivy")
  .state("scan passed")
  .result({ version: "1.0", summary: [{ severity: "Critical", count: 0 }] })
  .build();

function seededDigest(repository: string, index: number): string {
  return `sha256:${createHash("sha256").update(`${repository}#${index}`).digest("hex")}`;
}

/** The real HTTP client, noting the status of every answer. */
function recording(): HttpClient & { statuses: number[] } {
  const inner = createDefaultHttpClient();
  const client = {
    statuses: [] as number[],
    async sendRequest(request: PipelineRequest) {
      const response = await inner.sendRequest(request);
      client.statuses.push(response.status);
      return response;
    },
  };
  return client;
}

describe("registry client tokens: sharing, caching, expiry and renewal", () => {
  let local: LocalAcr;
  const client = (principal: TestPrincipal, options: Partial<AcrClientOptions> = {}) =>
    clientFor(local, principal, options).registry(local.acr.loginServer);

  beforeAll(async () => {
    local = await startLocalAcrForClient();
    await seed(local, { repositories: 20, manifestsPerRepository: 10, prefix: "conc", quarantineState: "Quarantined" });
    await seed(local, { repositories: 2, manifestsPerRepository: 2, prefix: "released", quarantineState: "Passed" });
  });
  afterAll(async () => local?.stop());

  it("200 parallel operations on 20 repositories cause exactly 1 exchange and 20 token requests", async () => {
    const identityBefore = local.identity.counters.get("/msi/token") ?? 0;
    await resetStats(local);
    const registry = client("gate");
    const operations = Array.from({ length: 200 }, (_, i) => {
      const repository = `conc/repo-${String(i % 20).padStart(2, "0")}`;
      const digest = seededDigest(repository, Math.floor(i / 20));
      return i % 2 === 0
        ? registry.getManifest(repository, digest)
        : registry.setQuarantineState(repository, digest, { state: "Passed", details: DETAILS });
    });
    const results = await Promise.all(operations);
    expect(results).toHaveLength(200);
    expect(results.filter((m, i) => i % 2 === 1 && m.quarantine.status === "released")).toHaveLength(100);
    const s = await stats(local);
    expect(count(s, "oauth.exchange")).toBe(1);
    expect(count(s, "oauth.token")).toBe(20);
    expect(count(s, "acr.manifests.get") + count(s, "acr.manifests.patch")).toBe(200);
    // And one Entra ID token behind the one exchange.
    expect((local.identity.counters.get("/msi/token") ?? 0) - identityBefore).toBe(1);
  });

  it("renews expired access and refresh tokens before using them (short-lived tokens, no 401 on the way)", async () => {
    await local.admin("PUT", "/tokens", { accessTokenSeconds: 2, refreshTokenSeconds: 12 });
    try {
      const http = recording();
      const registry = client("writer", { httpClient: http });
      const digest = seededDigest("conc/repo-01", 0);
      await resetStats(local);
      await registry.getManifest("conc/repo-01", digest);
      expect([count(await stats(local), "oauth.exchange"), count(await stats(local), "oauth.token")]).toEqual([1, 1]);

      await sleep(2_500); // the access token has expired; the refresh token (12 s) has not
      await registry.getManifest("conc/repo-01", digest);
      expect([count(await stats(local), "oauth.exchange"), count(await stats(local), "oauth.token")]).toEqual([1, 2]);

      await sleep(4_500); // now past half the refresh token's life: exchange again before it can expire
      await registry.setQuarantineState("conc/repo-01", digest, { state: "Failed", details: DETAILS });
      expect([count(await stats(local), "oauth.exchange"), count(await stats(local), "oauth.token")]).toEqual([2, 3]);
      expect(http.statuses.filter((status) => status === 401 || status === 403)).toEqual([401]); // only the anonymous challenge
    } finally {
      await local.admin("PUT", "/tokens", { accessTokenSeconds: 4500, refreshTokenSeconds: 10800 });
    }
  });

  it("a 401 for a token the client thought valid (clock skew) drops it and retries once with a fresh one", async () => {
    await local.admin("PUT", "/tokens", { accessTokenSeconds: 2 });
    try {
      const http = recording();
      // This client's clock runs a minute behind the registry's: it believes expired tokens are still good.
      const registry = client("reader", { httpClient: http, now: () => Date.now() - 60_000 });
      const digest = seededDigest("conc/repo-02", 0);
      await registry.getManifest("conc/repo-02", digest);
      await resetStats(local);
      const challenges = http.statuses.length;

      await sleep(2_500);
      const manifest = await registry.getManifest("conc/repo-02", digest);
      expect(manifest.digest).toBe(digest);
      expect(http.statuses.slice(challenges)).toEqual([401, 200, 200]); // refused, new token, retried
      const s = await stats(local);
      expect([count(s, "oauth.exchange"), count(s, "oauth.token"), count(s, "acr.manifests.get")]).toEqual([0, 1, 1]);
    } finally {
      await local.admin("PUT", "/tokens", { accessTokenSeconds: 4500 });
    }
  });

  it("an identity removed from the registry fails with AcrAuthError after one renewal, without looping", async () => {
    const registry = client("puller");
    const digest = seededDigest("released/repo-0", 0);
    expect((await registry.getManifest("released/repo-0", digest)).quarantine.status).toBe("released");
    const puller = local.identities.puller.objectId;
    await local.admin("DELETE", `/principals/${puller}`);
    try {
      await resetStats(local);
      const error = await registry.getManifest("released/repo-0", digest).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AcrAuthError);
      expect(error).toMatchObject({
        status: 401,
        acrCode: "UNAUTHORIZED",
        request: { method: "POST", path: "/oauth2/exchange" },
      });
      const s = await stats(local);
      expect([count(s, "oauth.token"), count(s, "oauth.exchange")]).toEqual([1, 1]);
    } finally {
      await local.admin("PUT", `/principals/${puller}`, { displayName: "puller", roles: ["AcrPull"] });
    }
  });
});
