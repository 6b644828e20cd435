import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { statSync } from "node:fs";
import { startLocalAcr, repoRef, type LocalAcr, type TestPrincipal } from "../../support/local-acr.js";
import { buildOciImage, type OciImage } from "../../support/oci-image.js";
import { push } from "../../support/skopeo.js";
import { freshTempDir } from "../../support/paths.js";
import { OciRegistry, sha256Digest } from "../../../src/attest/oci-registry.js";
import { referrerManifest } from "../../../src/attest/referrer-manifest.js";
import { attestDecision, decisionIdOf, type AttestationContext } from "../../../src/attest/attest-decision.js";
import { FileKeySigner } from "../../../src/attest/file-key-signer.js";
import { jwksVerifier } from "../../../src/attest/keys.js";
import { verifyImageDecision } from "../../../src/attest/verify-decision.js";
import { DSSE_ENVELOPE, EMPTY_CONFIG_BYTES, OCI_EMPTY, OCI_INDEX, SARIF } from "../../../src/attest/media-types.js";
import type { ImageKey } from "../../../src/pipeline/contract/index.js";

/**
 * The emulator's OCI 1.1 referrers API against the distribution-spec v1.1 ("Pushing Manifests with Subject",
 * "Listing Referrers"), and the gate's attestations through it, with skopeo pushing the subject image.
 */
describe("ACR emulator: OCI 1.1 referrers", () => {
  let local: LocalAcr;
  let image: OciImage;
  let other: OciImage;
  const repository = "team/attested";

  const registryAs = (who: TestPrincipal): OciRegistry =>
    new OciRegistry(local.acr.loginServer, (repo, actions) =>
      local.accessToken(who, [`repository:${repo}:${actions.join(",")}`]),
    );

  async function listRaw(who: TestPrincipal, subject: string, query = ""): Promise<Response> {
    const token = await local.accessToken(who, [`repository:${repository}:pull`]);
    return fetch(`${local.acr.url}/v2/${repository}/referrers/${subject}${query}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
  }

  async function release(digest: string): Promise<void> {
    const token = await local.accessToken("writer", [`repository:${repository}:pull,push,metadata_write`]);
    const r = await fetch(`${local.acr.url}/acr/v1/${repository}/_manifests/${digest}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ quarantineState: "Passed" }),
    });
    expect(r.status).toBe(200);
  }

  beforeAll(async () => {
    local = await startLocalAcr();
    image = await buildOciImage(freshTempDir("img"), { payloadBytes: 4096 });
    other = await buildOciImage(freshTempDir("img"), { payloadBytes: 4096 });
    const creds = { certDir: local.acr.certDir, creds: await local.skopeoCreds("pusher") };
    for (const [img, tag] of [
      [image, "v1"],
      [other, "v2"],
    ] as const) {
      const pushed = await push(img.layoutRef, repoRef(local, repository, tag), creds);
      expect(pushed.code, pushed.stderr).toBe(0);
    }
  });
  afterAll(async () => {
    await local?.stop();
  });

  const subjectOf = (img: OciImage) => ({
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: img.manifestDigest,
    size: img.manifestSize,
  });

  it("answers a push with a subject with OCI-Subject, and lists it with its artifactType and annotations", async () => {
    const registry = registryAs("pusher");
    await registry.pushBlob(repository, EMPTY_CONFIG_BYTES, OCI_EMPTY);
    const layer = await registry.pushBlob(repository, '{"version":"2.1.0","runs":[]}', SARIF);
    const manifest = referrerManifest(SARIF, layer, subjectOf(image), { "org.example": "one" });
    const pushed = await registry.pushManifest(repository, manifest);
    expect(pushed.ociSubject).toBe(image.manifestDigest);

    const listed = await listRaw("reader", image.manifestDigest);
    expect(listed.status).toBe(200);
    expect(listed.headers.get("content-type")).toBe(OCI_INDEX);
    expect(listed.headers.get("oci-filters-applied")).toBeNull();
    const index = (await listed.json()) as { schemaVersion: number; mediaType: string; manifests: unknown[] };
    expect(index.schemaVersion).toBe(2);
    expect(index.mediaType).toBe(OCI_INDEX);
    expect(index.manifests).toEqual([
      {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: sha256Digest(manifest),
        size: Buffer.byteLength(manifest),
        artifactType: SARIF,
        annotations: { "org.example": "one" },
      },
    ]);
  });

  it("filters by artifactType and says so in OCI-Filters-Applied", async () => {
    const registry = registryAs("pusher");
    const layer = await registry.pushBlob(
      repository,
      '{"payload":"","payloadType":"x","signatures":[]}',
      DSSE_ENVELOPE,
    );
    await registry.pushManifest(repository, referrerManifest(DSSE_ENVELOPE, layer, subjectOf(image), {}));
    const all = (await (await listRaw("reader", image.manifestDigest)).json()) as { manifests: unknown[] };
    expect(all.manifests).toHaveLength(2);
    const filtered = await listRaw("reader", image.manifestDigest, `?artifactType=${encodeURIComponent(SARIF)}`);
    expect(filtered.headers.get("oci-filters-applied")).toBe("artifactType");
    const body = (await filtered.json()) as { manifests: Array<{ artifactType: string }> };
    expect(body.manifests.map((m) => m.artifactType)).toEqual([SARIF]);
  });

  it("answers 200 with an empty index for a digest without referrers, and 400 for an invalid digest", async () => {
    const none = await listRaw("reader", other.manifestDigest);
    expect(none.status).toBe(200);
    expect(((await none.json()) as { manifests: unknown[] }).manifests).toEqual([]);
    const bad = await listRaw("reader", "sha256:not-hex");
    expect(bad.status).toBe(400);
  });

  it("shows a caller without quarantine read only released referrers (emulator's documented choice)", async () => {
    const before = (await (await listRaw("puller", image.manifestDigest)).json()) as { manifests: unknown[] };
    expect(before.manifests).toEqual([]);
    const listed = (await (await listRaw("reader", image.manifestDigest)).json()) as {
      manifests: Array<{ digest: string; artifactType: string }>;
    };
    await release(listed.manifests.find((m) => m.artifactType === SARIF)!.digest);
    const after = (await (await listRaw("puller", image.manifestDigest)).json()) as {
      manifests: Array<{ artifactType: string }>;
    };
    expect(after.manifests.map((m) => m.artifactType)).toEqual([SARIF]);
  });

  it("keeps the subject index across a restart", async () => {
    await local.restart();
    const listed = (await (await listRaw("reader", image.manifestDigest)).json()) as { manifests: unknown[] };
    expect(listed.manifests).toHaveLength(2);
    const mode = statSync(join(local.dataDir, "referrers.jsonl")).mode & 0o777;
    expect(mode).toBe(0o600);
  });

  describe("the gate's signed decision", () => {
    let ctx: AttestationContext;
    let signer: FileKeySigner;
    const key = (img: OciImage): ImageKey => ({
      loginServer: local.acr.loginServer,
      repository,
      digest: img.manifestDigest,
    });
    const outcome = {
      result: "Passed" as const,
      decidedBy: "policy",
      reason: "no blocking findings",
      verdict: {
        decision: "pass" as const,
        platforms: [{ digest: "sha256:00", decision: "pass" as const, reasons: [] }],
        severityCounts: { Critical: 0, High: 0 },
        findings: 0,
        scanner: "Trivy",
        policyVersion: "abcdefabcdef",
        evaluatedAt: "2026-12-02T07:00:00.000Z",
      },
    };

    beforeAll(async () => {
      const dir = freshTempDir("keys");
      signer = await new FileKeySigner(join(dir, "signing", "attestation.pem")).init();
      expect(statSync(join(dir, "signing", "attestation.pem")).mode & 0o777).toBe(0o600);
      ctx = {
        registry: () => registryAs("pusher"),
        signer,
        verifierId: "urn:acr-quarantine-gate",
        gateVersion: "0.1.0",
        policy: { version: "abcdefabcdef", sha256: "ab".repeat(32) },
        release: (_image, digest) => release(digest),
      };
    });

    it("pushes both referrers once (a repeat finds them), and verify passes with the published key", async () => {
      const decision = {
        image: key(other),
        subject: { mediaType: "application/vnd.oci.image.manifest.v1+json", size: other.manifestSize },
        outcome,
        decisionId: decisionIdOf("qp-test", "2026-12-02T07:00:01.000Z"),
        at: "2026-12-02T07:00:01.000Z",
      };
      const first = await attestDecision(ctx, decision);
      expect(first.state).toBe("attested");
      const second = await attestDecision(ctx, decision);
      expect(second).toMatchObject({ state: "already-attested", decision: first.decision, report: first.report });
      const referrers = await registryAs("puller").referrers(repository, other.manifestDigest);
      expect(referrers.map((r) => r.artifactType).sort()).toEqual([DSSE_ENVELOPE, SARIF].sort());

      const jwks = { keys: [await signer.publicJwk()] };
      const report = await verifyImageDecision(
        registryAs("puller"),
        repository,
        other.manifestDigest,
        jwksVerifier(jwks),
      );
      expect(report.refused).toEqual([]);
      expect(report.decision?.result).toBe("PASSED");
      expect(report.decision?.statement.subject[0]?.digest.sha256).toBe(other.manifestDigest.slice(7));
      expect(report.decision?.statement.predicate.inputAttestations[0]?.mediaType).toBe(SARIF);

      // Another key does not verify it.
      const stranger = await new FileKeySigner(join(freshTempDir("keys"), "k.pem")).init();
      const wrongKey = await verifyImageDecision(
        registryAs("puller"),
        repository,
        other.manifestDigest,
        jwksVerifier({ keys: [await stranger.publicJwk()] }),
      );
      expect(wrongKey.decision).toBeUndefined();
      expect(wrongKey.refused[0]?.why).toMatch(/no signature/);
    });

    it("refuses a decision with one byte changed and one re-attached to another digest", async () => {
      const registry = registryAs("pusher");
      const [signed] = await registry.referrers(repository, other.manifestDigest, DSSE_ENVELOPE);
      const manifest = JSON.parse((await registry.manifest(repository, signed!.digest)).toString("utf8")) as {
        layers: Array<{ digest: string }>;
      };
      const envelope = JSON.parse((await registry.blob(repository, manifest.layers[0]!.digest)).toString("utf8")) as {
        payload: string;
      };
      const jwks = { keys: [await signer.publicJwk()] };

      // (a) the same envelope attached to `image`: the signed subject is `other`, so it is refused for `image`.
      const moved = await registry.pushBlob(repository, JSON.stringify(envelope), DSSE_ENVELOPE);
      await registry.pushManifest(repository, referrerManifest(DSSE_ENVELOPE, moved, subjectOf(image), {}));
      // (b) one byte of the payload changed, attached to `image` too.
      const payload = Buffer.from(envelope.payload, "base64");
      payload[payload.indexOf("PASSED")] = "Q".charCodeAt(0);
      const tampered = { ...envelope, payload: payload.toString("base64") };
      const tamperedBlob = await registry.pushBlob(repository, JSON.stringify(tampered), DSSE_ENVELOPE);
      await registry.pushManifest(repository, referrerManifest(DSSE_ENVELOPE, tamperedBlob, subjectOf(image), {}));

      const report = await verifyImageDecision(
        registryAs("reader"),
        repository,
        image.manifestDigest,
        jwksVerifier(jwks),
      );
      expect(report.decision).toBeUndefined();
      const reasons = report.refused.map((r) => r.why).join("\n");
      expect(reasons).toMatch(/about another image/);
      expect(reasons).toMatch(/no signature/);
    });
  });
});
