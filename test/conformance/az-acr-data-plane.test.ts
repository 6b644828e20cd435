import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QuarantineDetailsBuilder } from "../../src/acr/index.js";
import { clientFor, startLocalAcrForClient } from "../integration/acr-client/support.js";
import { repoRef, type LocalAcr } from "../support/local-acr.js";
import { buildOciImage, type OciImage } from "../support/oci-image.js";
import { freshTempDir } from "../support/paths.js";
import { inspectRaw, push } from "../support/skopeo.js";
import { AzCli, requireAz } from "./support/az.js";

/**
 * azure-cli's ACR data-plane commands against the emulator, with repository-scoped credentials (--username/--password,
 * the password grant of /oauth2/token). Every URL and answer shape az relies on is az's own code
 * (/usr/lib/python3/dist-packages/azure/cli/command_modules/acr/repository.py and manifest.py), and the emulator serves
 * them as ACR's data-plane spec defines them; a disagreement fails here.
 */

interface TagView {
  name: string;
  digest: string;
  quarantineState?: string;
  changeableAttributes: Record<string, boolean>;
}
interface ManifestView {
  digest: string;
  tags: string[];
  changeableAttributes: Record<string, unknown>;
}

const REGISTRY = AzCli.REGISTRY_NAME;
const AZ_TIMEOUT = 180_000;

const details = new QuarantineDetailsBuilder()
  .scanner("trivy")
  .state("scan passed")
  .link("https://gate.example/status")
  .result({ version: "1.0", summary: [{ severity: "Critical", count: 0 }] })
  .build();

describe("azure-cli (Microsoft's ACR client) against the emulator's data plane", () => {
  let local: LocalAcr;
  let az: AzCli;
  let user: string[];
  let puller: string[];
  let pullerCreds: string;
  const images: Record<string, OciImage> = {};

  async function pushAs(name: string, reference: string): Promise<OciImage> {
    const image = await buildOciImage(freshTempDir("img"));
    const pushed = await push(image.layoutRef, repoRef(local, name, reference), {
      certDir: local.acr.certDir,
      creds: await local.skopeoCreds("pusher"),
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    return image;
  }

  function pullByTag(name: string, tag: string) {
    return inspectRaw(repoRef(local, name, tag), { certDir: local.acr.certDir, creds: pullerCreds });
  }

  function pullByDigest(name: string, digest: string) {
    return inspectRaw(repoRef(local, name, digest), { certDir: local.acr.certDir, creds: pullerCreds });
  }

  beforeAll(async () => {
    requireAz();
    local = await startLocalAcrForClient();
    az = new AzCli({ port: Number(local.acr.loginServer.split(":")[1]), caCertPath: local.acr.caCertPath });
    // Repository-scoped token credentials, as ACR's tokens and admin user are (username + password).
    const userPassword = randomBytes(18).toString("base64url");
    const pullerPassword = randomBytes(18).toString("base64url");
    await local.admin("PUT", "/principals/conformance-user", {
      roles: ["AcrPush", "AcrDelete", "AcrQuarantineReader"],
      password: userPassword,
    });
    await local.admin("PUT", "/principals/conformance-puller", { roles: ["AcrPull"], password: pullerPassword });
    pullerCreds = `conformance-puller:${pullerPassword}`;
    images.released = await pushAs("team/app", "v1");
    images.quarantined = await pushAs("team/app", "v2");
    images.locked = await pushAs("team/locks", "v1");
    images.doomed = await pushAs("team/gone", "v1");
    const gate = clientFor(local, "gate").registry(local.acr.loginServer);
    for (const [name, image] of [
      ["team/app", images.released],
      ["team/locks", images.locked],
    ] as const) {
      await gate.setQuarantineState(name, image.manifestDigest, { state: "Passed", details });
    }
    await az.useEmulatorCloud();
    // `--password=@file` as one argument: a generated password may start with "-", which argparse would take for
    // an option after a separate `--password` (azure-cli expands `key=@file` as it expands `@file`).
    user = ["--name", REGISTRY, "--username", "conformance-user", `--password=${az.secretFile("user", userPassword)}`];
    puller = [
      "--name",
      REGISTRY,
      "--username",
      "conformance-puller",
      `--password=${az.secretFile("puller", pullerPassword)}`,
    ];
  }, AZ_TIMEOUT);
  afterAll(async () => local?.stop());

  it("az acr repository list: the catalog", { timeout: AZ_TIMEOUT }, async () => {
    const repositories = await az.json<string[]>(["acr", "repository", "list", ...user]);
    expect(repositories).toEqual(expect.arrayContaining(["team/app", "team/locks", "team/gone"]));
  });

  it("az acr repository show --repository: repository attributes", { timeout: AZ_TIMEOUT }, async () => {
    const shown = await az.json<Record<string, unknown>>([
      "acr",
      "repository",
      "show",
      ...user,
      "--repository",
      "team/app",
    ]);
    expect(shown).toMatchObject({
      registry: local.acr.loginServer,
      imageName: "team/app",
      manifestCount: 2,
      tagCount: 2,
      changeableAttributes: { readEnabled: true, writeEnabled: true, deleteEnabled: true, listEnabled: true },
    });
  });

  it(
    "az acr repository show --image repo:tag: tag attributes with the tag-level quarantineState",
    { timeout: AZ_TIMEOUT },
    async () => {
      const released = await az.json<TagView>(["acr", "repository", "show", ...user, "--image", "team/app:v1"]);
      expect(released).toMatchObject({
        name: "v1",
        digest: images.released!.manifestDigest,
        quarantineState: "Passed",
      });
      const pending = await az.json<TagView>(["acr", "repository", "show", ...user, "--image", "team/app:v2"]);
      expect(pending).toMatchObject({ digest: images.quarantined!.manifestDigest, quarantineState: "Quarantined" });
    },
  );

  it(
    "az acr repository show-tags: names, details, and quarantined tags hidden from a puller",
    { timeout: AZ_TIMEOUT },
    async () => {
      expect(await az.json(["acr", "repository", "show-tags", ...user, "--repository", "team/app"])).toEqual([
        "v1",
        "v2",
      ]);
      const detail = await az.json<TagView[]>([
        "acr",
        "repository",
        "show-tags",
        ...user,
        "--repository",
        "team/app",
        "--detail",
        "--orderby",
        "time_asc",
      ]);
      expect(detail.map((t) => [t.name, t.digest])).toEqual([
        ["v1", images.released!.manifestDigest],
        ["v2", images.quarantined!.manifestDigest],
      ]);
      expect(await az.json(["acr", "repository", "show-tags", ...puller, "--repository", "team/app"])).toEqual(["v1"]);
    },
  );

  it(
    "az acr repository show-manifests --detail and az acr manifest list-metadata: quarantine fields",
    { timeout: AZ_TIMEOUT },
    async () => {
      const manifests = await az.json<ManifestView[]>([
        "acr",
        "repository",
        "show-manifests",
        ...user,
        "--repository",
        "team/app",
        "--detail",
      ]);
      const byDigest = new Map(manifests.map((m) => [m.digest, m]));
      expect(byDigest.get(images.released!.manifestDigest)?.changeableAttributes.quarantineState).toBe("Passed");
      expect(byDigest.get(images.quarantined!.manifestDigest)?.changeableAttributes.quarantineState).toBe(
        "Quarantined",
      );
      const metadata = await az.json<ManifestView[]>([
        "acr",
        "manifest",
        "list-metadata",
        "--registry",
        REGISTRY,
        ...user.slice(2),
        "--name",
        "team/app",
      ]);
      const released = metadata.find((m) => m.digest === images.released!.manifestDigest)!;
      expect(released.changeableAttributes.quarantineState).toBe("Passed");
      expect(JSON.parse(released.changeableAttributes.quarantineDetails as string)).toEqual(details);
    },
  );

  it(
    "az acr manifest show-metadata: by digest (manifest attributes) and by tag (tag attributes)",
    { timeout: AZ_TIMEOUT },
    async () => {
      const registry = ["--registry", REGISTRY, ...user.slice(2)];
      const byDigest = await az.json<ManifestView>([
        "acr",
        "manifest",
        "show-metadata",
        ...registry,
        "--name",
        `team/app@${images.released!.manifestDigest}`,
      ]);
      expect(byDigest).toMatchObject({
        digest: images.released!.manifestDigest,
        tags: ["v1"],
        changeableAttributes: { quarantineState: "Passed" },
      });
      const byTag = await az.json<TagView>(["acr", "manifest", "show-metadata", ...registry, "--name", "team/app:v2"]);
      expect(byTag).toMatchObject({ name: "v2", digest: images.quarantined!.manifestDigest });
      const missing = await az.run(["acr", "manifest", "show-metadata", ...registry, "--name", "team/app:nope"]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toMatch(/not found/);
    },
  );

  it(
    "az acr repository update --read-enabled false: pulls by that tag, then by digest, are refused",
    { timeout: AZ_TIMEOUT },
    async () => {
      const digest = images.locked!.manifestDigest;
      expect((await pullByTag("team/locks", "v1")).code).toBe(0);
      const tag = await az.json<TagView>([
        "acr",
        "repository",
        "update",
        ...user,
        "--image",
        "team/locks:v1",
        "--read-enabled",
        "false",
      ]);
      expect(tag.changeableAttributes.readEnabled).toBe(false);
      const byTag = await pullByTag("team/locks", "v1");
      expect(byTag.code).not.toBe(0);
      expect(byTag.stderr).toMatch(/disallowed/i);
      // Tag and manifest attributes are "managed separately": the digest is still readable.
      expect((await pullByDigest("team/locks", digest)).code).toBe(0);
      const manifest = await az.json<ManifestView>([
        "acr",
        "repository",
        "update",
        ...user,
        "--image",
        `team/locks@${digest}`,
        "--read-enabled",
        "false",
      ]);
      expect(manifest.changeableAttributes.readEnabled).toBe(false);
      const byDigest = await pullByDigest("team/locks", digest);
      expect(byDigest.code).not.toBe(0);
      expect(byDigest.stderr).toMatch(/disallowed/i);
      // Unlocking both restores pulls.
      for (const image of ["team/locks:v1", `team/locks@${digest}`])
        await az.json(["acr", "repository", "update", ...user, "--image", image, "--read-enabled", "true"]);
      expect((await pullByTag("team/locks", "v1")).code).toBe(0);
    },
  );

  it(
    "az acr repository update --repository --read-enabled false locks every image in it",
    { timeout: AZ_TIMEOUT },
    async () => {
      const repo = await az.json<{ changeableAttributes: Record<string, boolean> }>([
        "acr",
        "repository",
        "update",
        ...user,
        "--repository",
        "team/locks",
        "--read-enabled",
        "false",
      ]);
      expect(repo.changeableAttributes.readEnabled).toBe(false);
      expect((await pullByDigest("team/locks", images.locked!.manifestDigest)).code).not.toBe(0);
      await az.json(["acr", "repository", "update", ...user, "--repository", "team/locks", "--read-enabled", "true"]);
      expect((await pullByDigest("team/locks", images.locked!.manifestDigest)).code).toBe(0);
    },
  );

  it(
    "az acr repository delete --image: refused while write-locked, done once unlocked",
    { timeout: AZ_TIMEOUT },
    async () => {
      await az.json(["acr", "repository", "update", ...user, "--image", "team/gone:v1", "--write-enabled", "false"]);
      const refused = await az.run(["acr", "repository", "delete", ...user, "--image", "team/gone:v1", "--yes"]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/disallowed/);
      await az.json(["acr", "repository", "update", ...user, "--image", "team/gone:v1", "--write-enabled", "true"]);
      const deleted = await az.run(["acr", "repository", "delete", ...user, "--image", "team/gone:v1", "--yes"]);
      expect(deleted.code, deleted.stderr).toBe(0);
      expect((await pullByDigest("team/gone", images.doomed!.manifestDigest)).code).not.toBe(0);
      const gone = await az.run(["acr", "repository", "show", ...user, "--repository", "team/gone"]);
      expect(gone.code).not.toBe(0);
    },
  );

  it("az acr repository untag, then az acr repository delete --repository", { timeout: AZ_TIMEOUT }, async () => {
    const untag = await az.run(["acr", "repository", "untag", ...user, "--image", "team/app:v2"]);
    expect(untag.code, untag.stderr).toBe(0);
    expect(await az.json(["acr", "repository", "show-tags", ...user, "--repository", "team/app"])).toEqual(["v1"]);
    const deleted = await az.run(["acr", "repository", "delete", ...user, "--repository", "team/app", "--yes"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(await az.json<string[]>(["acr", "repository", "list", ...user])).not.toContain("team/app");
    expect((await pullByTag("team/app", "v1")).code).not.toBe(0);
  });

  it(
    "refuses what the credentials do not allow: a puller cannot change attributes",
    { timeout: AZ_TIMEOUT },
    async () => {
      const refused = await az.run([
        "acr",
        "repository",
        "update",
        ...puller,
        "--repository",
        "team/locks",
        "--read-enabled",
        "false",
      ]);
      expect(refused.code).not.toBe(0);
      const repo = await az.json<{ changeableAttributes: Record<string, boolean> }>([
        "acr",
        "repository",
        "show",
        ...user,
        "--repository",
        "team/locks",
      ]);
      expect(repo.changeableAttributes.readEnabled).toBe(true);
    },
  );
});
