import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AcrAuthError } from "../../../src/acr/index.js";
import { registryConfig } from "../../../src/config.js";
import type { LocalAcr } from "../../support/local-acr.js";
import { clientFor, collect, seed, startLocalAcrForClient } from "./support.js";

describe("registry client: the Entra ID audience comes from ACR_TOKEN_AUDIENCE (registryConfig)", () => {
  let local: LocalAcr;

  beforeAll(async () => {
    local = await startLocalAcrForClient();
    await seed(local, { repositories: 1, manifestsPerRepository: 1, prefix: "aud", quarantineState: "Passed" });
  });
  afterAll(async () => local?.stop());

  function configured(audience: string | undefined) {
    const settings = registryConfig({
      GATE_REGISTRIES: local.acr.loginServer,
      ...(audience === undefined ? {} : { ACR_TOKEN_AUDIENCE: audience }),
    });
    return clientFor(local, "gate", { audience: settings.tokenAudience });
  }

  it("defaults to https://containerregistry.azure.net", async () => {
    const client = configured(undefined);
    expect(client.tokens.scope).toBe("https://containerregistry.azure.net/.default");
    expect(await collect(client.registry(local.acr.loginServer).listManifests("aud/repo-0"))).toHaveLength(1);
  });

  it("uses an ARM audience when configured (the exchange accepts it, as ACR does for ARM-audience tokens)", async () => {
    const client = configured("https://management.azure.com");
    expect(client.tokens.scope).toBe("https://management.azure.com/.default");
    expect(await collect(client.registry(local.acr.loginServer).listManifests("aud/repo-0"))).toHaveLength(1);
  });

  it("fails with AcrAuthError when the registry refuses tokens for the configured audience", async () => {
    // The emulator is a public-cloud registry: a Government-cloud ARM audience is not one it accepts.
    const client = configured("https://management.usgovcloudapi.net");
    const error = await collect(client.registry(local.acr.loginServer).listManifests("aud/repo-0")).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AcrAuthError);
    expect((error as Error).message).toMatch(/exchange/i);
  });
});
