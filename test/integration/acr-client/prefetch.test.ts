import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalAcr } from "../../support/local-acr.js";
import { clientFor, resetStats, seed, startLocalAcrForClient, stats } from "./support.js";

describe("registry client: listing tokens for many repositories in few token requests", () => {
  let local: LocalAcr;
  beforeAll(async () => {
    local = await startLocalAcrForClient();
    await seed(local, { repositories: 60, manifestsPerRepository: 2, prefix: "batch", quarantineState: "Quarantined" });
  });
  afterAll(async () => local?.stop());

  it("one token request per 25 repositories, and the listings then use those tokens", async () => {
    const registry = clientFor(local, "gate").registry(local.acr.loginServer);
    const repositories: string[] = [];
    for await (const repository of registry.listRepositories()) repositories.push(repository);
    expect(repositories).toHaveLength(60);
    await resetStats(local);
    await registry.prefetchListingTokens(repositories);
    let manifests = 0;
    for (const repository of repositories)
      for await (const _manifest of registry.listManifests(repository)) manifests += 1;
    expect(manifests).toBe(120);
    const counted = await stats(local);
    expect(counted["oauth.token"]).toBe(3);
    expect(counted["acr.manifests.list"]).toBe(60);
    expect(counted.unauthorized ?? 0).toBe(0);
    // Already cached: asking again costs nothing.
    await resetStats(local);
    await registry.prefetchListingTokens(repositories);
    expect((await stats(local))["oauth.token"] ?? 0).toBe(0);
  });
});
