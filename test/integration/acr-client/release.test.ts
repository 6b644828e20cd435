import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDefaultHttpClient, type HttpClient } from "@azure/core-rest-pipeline";
import {
  AcrAuthError,
  AcrInvalidInputError,
  AcrNotFoundError,
  QuarantineDetailsBuilder,
  type AcrClient,
  type RegistryClient,
} from "../../../src/acr/index.js";
import { repoRef, type LocalAcr } from "../../support/local-acr.js";
import { buildOciImage, type OciImage } from "../../support/oci-image.js";
import { inspectRaw, pull, push } from "../../support/skopeo.js";
import { freshTempDir } from "../../support/paths.js";
import { clientFor, collect, count, resetStats, seed, startLocalAcrForClient, stats, total } from "./support.js";

const REPOSITORY = "team/app";

/** The real HTTP client with a counter in front: what the registry client really sent, whatever the answer. */
function counting(inner: HttpClient): HttpClient & { sent: number } {
  const wrapper = {
    sent: 0,
    sendRequest: (request: Parameters<HttpClient["sendRequest"]>[0]) => (wrapper.sent++, inner.sendRequest(request)),
  };
  return wrapper;
}

function details(state: string) {
  return new QuarantineDetailsBuilder()
    .scanner("trivy")
    .state(state)
    .link("https://gate.example/status/team/app")
    .result({
      version: "1.0",
      summary: [
        { severity: "Critical", count: 0 },
        { severity: "High", count: 1 },
      ],
      description: "1 High within policy",
    })
    .build();
}

describe("registry client: release of a pushed image (real ManagedIdentityCredential → exchange → token → PATCH)", () => {
  let local: LocalAcr;
  let image: OciImage;
  let gate: AcrClient;
  let registry: RegistryClient;
  let http: HttpClient & { sent: number };

  beforeAll(async () => {
    local = await startLocalAcrForClient();
    image = await buildOciImage(freshTempDir("img"));
    const pushed = await push(image.layoutRef, repoRef(local, REPOSITORY, "v1"), {
      certDir: local.acr.certDir,
      creds: await local.skopeoCreds("pusher"),
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    http = counting(createDefaultHttpClient());
    gate = clientFor(local, "gate", { httpClient: http });
    registry = gate.registry(local.acr.loginServer);
  });
  afterAll(async () => local?.stop());

  it("reads a freshly pushed image as pending, with digest, media type, tags, times and platform", async () => {
    await resetStats(local);
    const manifest = await registry.getManifest(REPOSITORY, image.manifestDigest);
    expect(manifest).toMatchObject({
      digest: image.manifestDigest,
      repository: REPOSITORY,
      tags: ["v1"],
      architecture: "amd64",
      os: "linux",
    });
    expect(manifest.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(Date.parse(manifest.createdTime)).not.toBeNaN();
    expect(manifest.quarantine).toMatchObject({ state: "Quarantined", status: "pending", rawDetails: undefined });
    const s = await stats(local);
    expect([count(s, "oauth.exchange"), count(s, "oauth.token"), count(s, "acr.manifests.get")]).toEqual([1, 1, 1]);
  });

  it("releases it: Passed with built details, read back, and then an AcrPull identity can pull it by tag", async () => {
    const puller = { certDir: local.acr.certDir, creds: await local.skopeoCreds("puller") };
    expect((await inspectRaw(repoRef(local, REPOSITORY, "v1"), puller)).code).not.toBe(0);
    await resetStats(local);

    const written = details("scan passed");
    const after = await registry.setQuarantineState(REPOSITORY, image.manifestDigest, {
      state: "Passed",
      details: written,
    });
    expect(after.quarantine).toMatchObject({
      state: "Passed",
      status: "released",
      details: written,
      detailsProblems: [],
    });
    expect(JSON.parse(after.quarantine.rawDetails!)).toEqual(written);
    // One PATCH and one token request: a release asks for its own scope (RELEASE_ACTIONS: pull,push as ACR's
    // quarantine docs do, plus metadata_read,metadata_write), which also serves the read-back; no new exchange.
    const s = await stats(local);
    expect([count(s, "acr.manifests.patch"), count(s, "oauth.exchange"), count(s, "oauth.token")]).toEqual([1, 0, 1]);

    const readAgain = await registry.getManifest(REPOSITORY, image.manifestDigest);
    expect(readAgain.quarantine).toEqual(after.quarantine);
    const pulled = await pull(repoRef(local, REPOSITORY, "v1"), freshTempDir("pull"), puller);
    expect(pulled.code, pulled.stderr).toBe(0);
  });

  it("hands a scanner a pull token for one repository (PullTokenSource), refusing bad names and other registries", async () => {
    const token = await gate.pullToken(local.acr.loginServer, REPOSITORY);
    const response = await fetch(`${local.acr.url}/v2/${REPOSITORY}/manifests/${image.manifestDigest}`, {
      headers: { Authorization: `Bearer ${token}`, Accept: "application/vnd.oci.image.manifest.v1+json" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("docker-content-digest")).toBe(image.manifestDigest);
    await expect(gate.pullToken(local.acr.loginServer, "../other")).rejects.toBeInstanceOf(AcrInvalidInputError);
    await expect(gate.pullToken("evil.example", REPOSITORY)).rejects.toBeInstanceOf(AcrInvalidInputError);
  });

  it("reads back by a separate GET when asked to, and records Failed as failed (still not released)", async () => {
    await seed(local, { repositories: 1, manifestsPerRepository: 1, prefix: "fail", quarantineState: "Quarantined" });
    const digest = `sha256:${createHash("sha256").update("fail/repo-0#0").digest("hex")}`;
    await resetStats(local);
    const after = await registry.setQuarantineState(
      "fail/repo-0",
      digest,
      { state: "Failed", details: details("2 Critical") },
      { readBack: "get" },
    );
    expect(after.quarantine).toMatchObject({ state: "Failed", status: "failed" });
    const s = await stats(local);
    expect([count(s, "acr.manifests.patch"), count(s, "acr.manifests.get")]).toEqual([1, 1]);
  });

  it("reports an index's references", async () => {
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: image.manifestDigest,
          size: image.manifestSize,
          platform: { architecture: "amd64", os: "linux" },
        },
      ],
    });
    const token = await local.accessToken("pusher", [`repository:${REPOSITORY}:pull,push`]);
    const put = await fetch(`${local.acr.url}/v2/${REPOSITORY}/manifests/multi`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/vnd.oci.image.index.v1+json" },
      body: index,
    });
    expect(put.status, await put.text()).toBe(201);
    const indexDigest = `sha256:${createHash("sha256").update(index).digest("hex")}`;
    const manifest = await registry.getManifest(REPOSITORY, indexDigest);
    expect(manifest.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(manifest.references).toEqual([{ digest: image.manifestDigest, architecture: "amd64", os: "linux" }]);
    expect(manifest.quarantine.status).toBe("pending");
  });

  it("lists repositories and manifests across pages by following Link, one request per page", async () => {
    await seed(local, { repositories: 9, manifestsPerRepository: 7, prefix: "page" });
    await resetStats(local);
    const repositories = await collect(registry.listRepositories({ pageSize: 4 }));
    const expected = [...Array.from({ length: 9 }, (_, i) => `page/repo-${i}`), "fail/repo-0", REPOSITORY].sort();
    expect(repositories).toEqual(expected);
    expect(count(await stats(local), "acr.catalog")).toBe(Math.ceil(expected.length / 4));

    await resetStats(local);
    const manifests = await collect(registry.listManifests("page/repo-3", { pageSize: 3 }));
    expect(manifests).toHaveLength(7);
    expect(new Set(manifests.map((m) => m.digest)).size).toBe(7);
    expect(manifests.every((m) => m.repository === "page/repo-3" && m.quarantine.status === "pending")).toBe(true);
    expect(count(await stats(local), "acr.manifests.list")).toBe(3);

    const newestFirst = await collect(registry.listManifests("page/repo-3", { pageSize: 2, orderBy: "timedesc" }));
    const times = newestFirst.map((m) => m.lastUpdateTime);
    expect(times).toEqual([...times].sort().reverse());
  });

  it("streams: stopping after the first repository costs one catalog request, not all pages", async () => {
    await resetStats(local);
    for await (const name of registry.listRepositories({ pageSize: 2 })) {
      expect(name).toBe("fail/repo-0");
      break;
    }
    expect(count(await stats(local), "acr.catalog")).toBe(1);
  });

  it("rejects invalid names, digests and registries before any request (nothing sent, nothing counted)", async () => {
    const before = http.sent;
    await resetStats(local);
    const identityCalls = local.identity.counters.get("/msi/token") ?? 0;
    const hex = "a".repeat(64);
    const badRepositories = [
      "../etc",
      "team/../app",
      "Team/App",
      "team//app",
      "team/app/",
      "/team",
      "team%2Fapp",
      "team\\app",
      "",
      "a".repeat(256),
      "team/app?x=1",
      "team/app#x",
      "-team",
    ];
    const badDigests = [
      "sha256:abc",
      `sha256:${"A".repeat(64)}`,
      `md5:${hex}`,
      `sha256:${hex}/../../x`,
      `sha256:${hex}%2F`,
      "latest",
      `sha512:${hex}`,
      "",
    ];
    for (const name of badRepositories) {
      await expect(registry.getManifest(name, `sha256:${hex}`), name).rejects.toBeInstanceOf(AcrInvalidInputError);
      await expect(
        registry.setQuarantineState(name, `sha256:${hex}`, { state: "Passed", details: details("ok") }),
        name,
      ).rejects.toBeInstanceOf(AcrInvalidInputError);
      expect(() => registry.listManifests(name), name).toThrow(AcrInvalidInputError);
    }
    for (const digest of badDigests) {
      await expect(registry.getManifest(REPOSITORY, digest), digest).rejects.toBeInstanceOf(AcrInvalidInputError);
      await expect(
        registry.setQuarantineState(REPOSITORY, digest, { state: "Failed", details: details("x") }),
        digest,
      ).rejects.toBeInstanceOf(AcrInvalidInputError);
    }
    const state = "Released" as unknown as "Passed";
    await expect(
      registry.setQuarantineState(REPOSITORY, image.manifestDigest, { state, details: details("x") }),
    ).rejects.toBeInstanceOf(AcrInvalidInputError);
    await expect(
      registry.setQuarantineState(REPOSITORY, image.manifestDigest, {
        state: "Passed",
        details: { state: "x", extra: 1 } as unknown as ReturnType<typeof details>,
      }),
    ).rejects.toBeInstanceOf(AcrInvalidInputError);
    for (const server of [
      "evil.example",
      `https://${local.acr.loginServer}`,
      `${local.acr.loginServer}/v2`,
      "user@localhost",
      "localhost:99999",
    ]) {
      expect(() => gate.registry(server), server).toThrow(AcrInvalidInputError);
    }
    expect(http.sent - before).toBe(0);
    expect(total(await stats(local))).toBe(0);
    expect(local.identity.counters.get("/msi/token") ?? 0).toBe(identityCalls);
  });

  it("gives typed errors with ACR's code, the status and the request: not found, denied, unknown identity", async () => {
    const missing = `sha256:${"0".repeat(64)}`;
    const notFound = await registry.getManifest(REPOSITORY, missing).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(AcrNotFoundError);
    expect(notFound).toMatchObject({
      code: "ERR_ACR_NOT_FOUND",
      acrCode: "MANIFEST_UNKNOWN",
      status: 404,
      request: { method: "GET", path: `/acr/v1/${REPOSITORY}/_manifests/${missing}` },
    });

    // AcrQuarantineReader may read but not write quarantine state: ACR says DENIED (403).
    const reader = clientFor(local, "reader").registry(local.acr.loginServer);
    const denied = await reader
      .setQuarantineState(REPOSITORY, image.manifestDigest, { state: "Failed", details: details("x") })
      .catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(AcrAuthError);
    expect(denied).toMatchObject({ acrCode: "DENIED", status: 403, request: { method: "PATCH" } });
    expect((await registry.getManifest(REPOSITORY, image.manifestDigest)).quarantine.state).toBe("Passed");

    // An identity with no role on the registry: the exchange itself is refused.
    const stranger = clientFor(local, "stranger").registry(local.acr.loginServer);
    const refused = await stranger.getManifest(REPOSITORY, image.manifestDigest).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AcrAuthError);
    expect(refused).toMatchObject({
      acrCode: "UNAUTHORIZED",
      status: 401,
      request: { method: "POST", path: "/oauth2/exchange" },
    });
    expect(String((refused as Error).message)).not.toMatch(/eyJ/);
  });
});
