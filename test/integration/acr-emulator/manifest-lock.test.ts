import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRef, type LocalAcr } from "../../support/local-acr.js";
import { buildOciImage, type OciImage } from "../../support/oci-image.js";
import { inspectRaw, push } from "../../support/skopeo.js";
import { freshTempDir } from "../../support/paths.js";
import { clientFor, startLocalAcrForClient } from "../acr-client/support.js";

const DETAILS = {
  scanner: "acr-quarantine-gate re-evaluation",
  state: "Remediation overdue",
  result: { version: "1", summary: [], description: "CVE-2026-1 (Critical, openssl) was due" },
};

/**
 * The manifest lock by digest (readEnabled=false, as `az acr repository update --image … --read-enabled false` sets
 * it) with skopeo as the client and the product's registry client writing it: pulls by tag and by digest are refused
 * while it holds, and allowed again once it is lifted. Then the undocumented Passed → Failed transition, as the
 * emulator chooses to answer it (docs/local-stack.md, "Re-evaluation").
 */
describe("ACR emulator: the manifest lock (readEnabled) on a released image", () => {
  let local: LocalAcr;
  let image: OciImage;
  const repository = "team/locked";

  const puller = async () => ({ certDir: local.acr.certDir, creds: await local.skopeoCreds("puller") });

  beforeAll(async () => {
    local = await startLocalAcrForClient();
    image = await buildOciImage(freshTempDir("lock-img"), { payloadBytes: 16 * 1024 });
    const pushed = await push(image.layoutRef, repoRef(local, repository, "v1"), {
      certDir: local.acr.certDir,
      creds: await local.skopeoCreds("pusher"),
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    await clientFor(local, "writer")
      .registry(local.acr.loginServer)
      .setQuarantineState(repository, image.manifestDigest, {
        state: "Passed",
        details: { ...DETAILS, state: "Scan Passed" },
      });
  });
  afterAll(async () => local?.stop());

  it("a released image is pullable by tag and digest", async () => {
    expect((await inspectRaw(repoRef(local, repository, "v1"), await puller())).code).toBe(0);
    expect((await inspectRaw(repoRef(local, repository, image.manifestDigest), await puller())).code).toBe(0);
  });

  it("readEnabled=false by digest refuses pulls by tag and by digest; the write is read back", async () => {
    const registry = clientFor(local, "pusher").registry(local.acr.loginServer);
    const locked = await registry.ensureReadEnabled(repository, image.manifestDigest, false);
    expect(locked.written).toBe(true);
    expect(locked.attributes.changeableAttributes.readEnabled).toBe(false);
    // A repeat finds the lock in place and sends no PATCH.
    expect((await registry.ensureReadEnabled(repository, image.manifestDigest, false)).written).toBe(false);
    const byTag = await inspectRaw(repoRef(local, repository, "v1"), await puller());
    expect(byTag.code).not.toBe(0);
    expect(byTag.stderr).toMatch(/disallowed/i);
    const byDigest = await inspectRaw(repoRef(local, repository, image.manifestDigest), await puller());
    expect(byDigest.code).not.toBe(0);
    expect(byDigest.stderr).toMatch(/disallowed/i);
  });

  it("without metadata write the lock is refused (403) and nothing changes", async () => {
    const registry = clientFor(local, "puller").registry(local.acr.loginServer);
    await expect(registry.ensureReadEnabled(repository, image.manifestDigest, true)).rejects.toMatchObject({
      status: 403,
    });
    const shown = await clientFor(local, "reader")
      .registry(local.acr.loginServer)
      .getManifest(repository, image.manifestDigest);
    expect(shown.changeableAttributes.readEnabled).toBe(false);
  });

  it("Passed → Failed is accepted by the emulator (its documented choice) and keeps the image unpullable", async () => {
    const written = await clientFor(local, "writer")
      .registry(local.acr.loginServer)
      .ensureQuarantineState(repository, image.manifestDigest, { state: "Failed", details: DETAILS });
    expect(written.attributes.quarantine.state).toBe("Failed");
    expect((await inspectRaw(repoRef(local, repository, image.manifestDigest), await puller())).code).not.toBe(0);
  });

  it("release goes Passed first, then lifts the lock: only then are tag and digest pullable again", async () => {
    const pusher = clientFor(local, "pusher").registry(local.acr.loginServer);
    // While Failed, an identity without quarantine read does not see the manifest at all: the lock cannot be lifted
    // first by it (hence the order in src/reevaluate/enforce.ts, and the gate's identity needs both rights).
    await expect(pusher.ensureReadEnabled(repository, image.manifestDigest, true)).rejects.toMatchObject({
      status: 404,
    });
    await clientFor(local, "writer")
      .registry(local.acr.loginServer)
      .ensureQuarantineState(repository, image.manifestDigest, {
        state: "Passed",
        details: { ...DETAILS, state: "Scan Passed" },
      });
    // Passed but still locked: refused.
    expect((await inspectRaw(repoRef(local, repository, "v1"), await puller())).code).not.toBe(0);
    await pusher.ensureReadEnabled(repository, image.manifestDigest, true);
    expect((await inspectRaw(repoRef(local, repository, "v1"), await puller())).code).toBe(0);
    expect((await inspectRaw(repoRef(local, repository, image.manifestDigest), await puller())).code).toBe(0);
  });
});
