import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ARM_REGISTRY } from "../../local/acr-emulator/arm/registry-resource.js";
import { repoRef, startLocalAcr, type LocalAcr, type TestPrincipal } from "../support/local-acr.js";
import { buildOciImage } from "../support/oci-image.js";
import { freshTempDir } from "../support/paths.js";
import { push } from "../support/skopeo.js";
import { AzCli, requireAz } from "./support/az.js";
import { startCloudShellMsi } from "./support/cloud-shell-msi.js";

/**
 * azure-cli signed in with a managed identity (`az login --identity`, the local identity endpoint behind the
 * MSI_ENDPOINT protocol az 2.45 speaks) against the emulator's management surface, and then, as az does for a
 * registry it finds in ARM, against the data plane with an Entra ID token exchanged at /oauth2/exchange.
 */

const AZ_TIMEOUT = 180_000;
const { registryName, resourceGroup, subscriptionId } = DEFAULT_ARM_REGISTRY;

interface Registry {
  id: string;
  loginServer: string;
  sku: { name: string };
  policies: { quarantinePolicy: { status: string } };
}
interface Webhook {
  name: string;
  actions: string[];
  scope: string;
  status: string;
  serviceUri?: string;
}

describe("azure-cli with a managed identity against the emulator's ARM surface", () => {
  let local: LocalAcr;
  let msi: Awaited<ReturnType<typeof startCloudShellMsi>>;
  const secretHeader = `Basic ${randomBytes(12).toString("base64")}`;

  async function signedIn(principal: TestPrincipal): Promise<{ az: AzCli; login: Awaited<ReturnType<AzCli["run"]>> }> {
    const az = new AzCli({
      port: Number(local.acr.loginServer.split(":")[1]),
      caCertPath: local.acr.caCertPath,
      env: { MSI_ENDPOINT: msi.endpoint },
    });
    await az.useEmulatorCloud();
    const login = await az.run([
      "login",
      "--identity",
      "--username",
      local.identities[principal].clientId,
      "--output",
      "json",
    ]);
    return { az, login };
  }

  beforeAll(async () => {
    requireAz();
    local = await startLocalAcr({
      webhooks: [
        {
          name: "gatehook",
          serviceUri: "https://gate.example/api/acr-events",
          customHeaders: { Authorization: secretHeader },
          actions: ["quarantine"],
          scope: "team/*",
          status: "enabled",
        },
      ],
    });
    msi = await startCloudShellMsi(local.identity);
    const image = await buildOciImage(freshTempDir("img"));
    const pushed = await push(image.layoutRef, repoRef(local, "team/app", "v1"), {
      certDir: local.acr.certDir,
      creds: await local.skopeoCreds("pusher"),
    });
    expect(pushed.code, pushed.stderr).toBe(0);
  }, AZ_TIMEOUT);
  afterAll(async () => {
    await msi?.close();
    await local?.stop();
  });

  describe("as an Owner of the registry", () => {
    let az: AzCli;

    beforeAll(async () => {
      const session = await signedIn("owner");
      expect(session.login.code, session.login.stderr).toBe(0);
      const accounts = JSON.parse(session.login.stdout) as Array<{ id: string; tenantId: string }>;
      expect(accounts.map((a) => a.id)).toEqual([subscriptionId]);
      expect(accounts[0]!.tenantId).toBe(local.identity.config.tenantId);
      az = session.az;
    }, AZ_TIMEOUT);

    it(
      "az acr show: the registry resource, its login server and quarantine policy",
      { timeout: AZ_TIMEOUT },
      async () => {
        const registry = await az.json<Registry>([
          "acr",
          "show",
          "--name",
          registryName,
          "--resource-group",
          resourceGroup,
        ]);
        expect(registry).toMatchObject({
          id: local.acr.armResourceId,
          loginServer: local.acr.loginServer,
          sku: { name: "Premium" },
          policies: { quarantinePolicy: { status: "enabled" } },
        });
      },
    );

    it(
      "az acr webhook list and get-config: serviceUri and headers only through the callback config",
      { timeout: AZ_TIMEOUT },
      async () => {
        const hooks = await az.json<Webhook[]>([
          "acr",
          "webhook",
          "list",
          "--registry",
          registryName,
          "--resource-group",
          resourceGroup,
        ]);
        expect(hooks).toHaveLength(1);
        expect(hooks[0]).toMatchObject({
          name: "gatehook",
          actions: ["quarantine"],
          scope: "team/*",
          status: "enabled",
        });
        expect(hooks[0]!.serviceUri).toBeUndefined();
        const config = await az.json<{ serviceUri: string; customHeaders: Record<string, string> }>([
          "acr",
          "webhook",
          "get-config",
          "--name",
          "gatehook",
          "--registry",
          registryName,
          "--resource-group",
          resourceGroup,
        ]);
        expect(config).toEqual({
          serviceUri: "https://gate.example/api/acr-events",
          customHeaders: { Authorization: secretHeader },
        });
      },
    );

    it(
      "finds the registry in ARM, then lists its repositories with an exchanged Entra ID token",
      { timeout: AZ_TIMEOUT },
      async () => {
        await local.admin("DELETE", "/stats");
        const repositories = await az.json<string[]>(["acr", "repository", "list", "--name", registryName]);
        expect(repositories).toEqual(["team/app"]);
        const stats = (await local.admin("GET", "/stats")) as Record<string, number>;
        expect(stats["arm.resources.list"]).toBe(1);
        expect(stats["oauth.exchange"]).toBe(1);
        const grants = (await local.admin(
          "GET",
          `/stats/token-grants?principal=${local.identities.owner.objectId}`,
        )) as Array<{ requested: string[]; granted: string[] }>;
        expect(grants.at(-1)).toMatchObject({ requested: ["registry:catalog:*"], granted: ["registry:catalog:*"] });
      },
    );
  });

  it(
    "an identity with only data-plane roles signs in but may not read the registry resource",
    { timeout: AZ_TIMEOUT },
    async () => {
      const { az, login } = await signedIn("puller");
      expect(login.code, login.stderr).toBe(0);
      const refused = await az.run(["acr", "show", "--name", registryName, "--resource-group", resourceGroup]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/AuthorizationFailed/);
    },
  );

  it(
    "an identity with no role on the registry finds no subscription to sign in to",
    { timeout: AZ_TIMEOUT },
    async () => {
      const { login } = await signedIn("stranger");
      expect(login.code).not.toBe(0);
      expect(login.stderr).toMatch(/no subscriptions were found/i);
    },
  );
});
