import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AcrAuthError, QuarantineDetailsBuilder, RELEASE_ACTIONS } from "../../../src/acr/index.js";
import { repoRef, type LocalAcr, type TestPrincipal } from "../../support/local-acr.js";
import { buildOciImage, type OciImage } from "../../support/oci-image.js";
import { freshTempDir } from "../../support/paths.js";
import { push } from "../../support/skopeo.js";
import { clientFor, resetStats, startLocalAcrForClient } from "./support.js";

const REPOSITORY = "scope/app";
const RELEASE_SCOPE = `repository:${REPOSITORY}:pull,push,metadata_read,metadata_write`;

interface TokenGrant {
  principal: string;
  requested: string[];
  granted: string[];
}

const details = new QuarantineDetailsBuilder()
  .scanner("trivy")
  .state("scan passed")
  .result({ version: "1.0", summary: [{ severity: "Critical", count: 0 }] })
  .build();

describe("release token scope: pull,push (ACR's quarantine docs) plus metadata_read,metadata_write", () => {
  let local: LocalAcr;
  let images: OciImage[];

  async function grants(principal: TestPrincipal): Promise<TokenGrant[]> {
    const objectId = local.identities[principal].objectId;
    return (await local.admin("GET", `/stats/token-grants?principal=${objectId}`)) as TokenGrant[];
  }

  async function stateOf(digest: string): Promise<string | undefined> {
    return (await clientFor(local, "gate").registry(local.acr.loginServer).getManifest(REPOSITORY, digest)).quarantine
      .state;
  }

  beforeAll(async () => {
    local = await startLocalAcrForClient();
    images = [];
    for (const tag of ["v1", "v2", "v3"]) {
      const image = await buildOciImage(freshTempDir("img"));
      const pushed = await push(image.layoutRef, repoRef(local, REPOSITORY, tag), {
        certDir: local.acr.certDir,
        creds: await local.skopeoCreds("pusher"),
      });
      expect(pushed.code, pushed.stderr).toBe(0);
      images.push(image);
    }
    await resetStats(local);
  });
  afterAll(async () => local?.stop());

  it("asks for exactly the documented actions", () => {
    expect([...RELEASE_ACTIONS]).toEqual(["pull", "push", "metadata_read", "metadata_write"]);
  });

  it("a quarantine writer's token releases the image; the grant log shows what it asked for and got", async () => {
    const registry = clientFor(local, "writer").registry(local.acr.loginServer);
    const after = await registry.setQuarantineState(REPOSITORY, images[0]!.manifestDigest, {
      state: "Passed",
      details,
    });
    expect(after.quarantine.status).toBe("released");
    expect(await stateOf(images[0]!.manifestDigest)).toBe("Passed");
    const log = await grants("writer");
    expect(log.map((g) => g.requested)).toEqual([[RELEASE_SCOPE]]);
    // AcrQuarantineWriter: push is granted for the quarantine PATCH (the docs' "Push access token"), never image writes.
    expect(log[0]!.granted).toEqual([RELEASE_SCOPE]);
  });

  it("an AcrPush identity gets the same scope but no quarantine-writer permission: 403 from the PATCH, still quarantined", async () => {
    const registry = clientFor(local, "pusher").registry(local.acr.loginServer);
    const error = await registry
      .setQuarantineState(REPOSITORY, images[1]!.manifestDigest, { state: "Passed", details })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AcrAuthError);
    expect(error).toMatchObject({ status: 403, acrCode: "DENIED", request: { method: "PATCH" } });
    expect(await stateOf(images[1]!.manifestDigest)).toBe("Quarantined");
    expect((await grants("pusher")).at(-1)).toMatchObject({ requested: [RELEASE_SCOPE], granted: [RELEASE_SCOPE] });
  });

  it("an AcrPull identity is granted only the subset its role allows, and is refused with 403 too", async () => {
    const registry = clientFor(local, "puller").registry(local.acr.loginServer);
    const error = await registry
      .setQuarantineState(REPOSITORY, images[1]!.manifestDigest, { state: "Passed", details })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AcrAuthError);
    expect(error).toMatchObject({ status: 403, request: { method: "PATCH" } });
    expect(await stateOf(images[1]!.manifestDigest)).toBe("Quarantined");
    expect((await grants("puller")).at(-1)).toMatchObject({
      requested: [RELEASE_SCOPE],
      granted: [`repository:${REPOSITORY}:pull,metadata_read`],
    });
  });

  it("follows ACR's documented flow: Basic-auth GET /oauth2/token for pull,push, then the PATCH", async () => {
    const digest = images[2]!.manifestDigest;
    const basic = Buffer.from(await local.skopeoCreds("writer")).toString("base64");
    const service = local.acr.loginServer;
    const tokenResponse = await fetch(
      `${local.acr.url}/oauth2/token?service=${service}&scope=repository:${REPOSITORY}:pull,push`,
      { headers: { Authorization: `Basic ${basic}` } },
    );
    expect(tokenResponse.status).toBe(200);
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const patch = await fetch(`${local.acr.url}/acr/v1/${REPOSITORY}/_manifests/${digest}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        quarantineState: "Passed",
        quarantineDetails: JSON.stringify({ state: "scan passed", link: "http://test.io/test" }),
      }),
    });
    expect(patch.status, await patch.clone().text()).toBe(200);
    expect(await stateOf(digest)).toBe("Passed");
  });

  it("a quarantine writer's push grant does not let it write images", async () => {
    const image = await buildOciImage(freshTempDir("img"));
    const pushed = await push(image.layoutRef, repoRef(local, REPOSITORY, "by-writer"), {
      certDir: local.acr.certDir,
      creds: await local.skopeoCreds("writer"),
    });
    expect(pushed.code).not.toBe(0);
    expect(pushed.stderr).toMatch(/denied|403/i);
  });
});
