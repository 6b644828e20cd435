import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { startLocalAcr, repoRef, type LocalAcr } from "../../support/local-acr.js";
import { buildOciImage, type OciImage } from "../../support/oci-image.js";
import { push } from "../../support/skopeo.js";
import { freshTempDir } from "../../support/paths.js";
import { parsePolicy } from "../../../src/policy/index.js";
import { judgeScanReport } from "../../../src/scanning/judge.js";
import { VexReferrerSource, type VexReferrerMode } from "../../../src/scanning/vex/referrer-source.js";
import { OciRegistry } from "../../../src/attest/oci-registry.js";
import { referrerManifest } from "../../../src/attest/referrer-manifest.js";
import { signEnvelope } from "../../../src/attest/dsse.js";
import { FileKeySigner } from "../../../src/attest/file-key-signer.js";
import { jwksVerifier } from "../../../src/attest/keys.js";
import {
  DSSE_ENVELOPE,
  EMPTY_CONFIG_BYTES,
  IN_TOTO_PAYLOAD,
  OCI_EMPTY,
  OPENVEX,
} from "../../../src/attest/media-types.js";
import { tryNormaliseReport } from "../../../src/scanning/normalise/index.js";

/**
 * OpenVEX attached to the image as referrers, applied by the judgement: an unsigned document (artifactType
 * application/vnd.openvex+json) and a signed one (an in-toto attestation with an OpenVEX predicate in a DSSE
 * envelope), each suppressing exactly its statement; with VEX_REFERRERS=signed only a trusted signature counts.
 */
describe("OpenVEX from the image's referrers (ACR emulator)", () => {
  let local: LocalAcr;
  let unsignedImage: OciImage;
  let signedImage: OciImage;
  let trusted: FileKeySigner;
  let untrusted: FileKeySigner;
  const repository = "team/vexed";

  const registry = () =>
    new OciRegistry(local.acr.loginServer, (repo, actions) =>
      local.accessToken(actions.includes("push") ? "pusher" : "reader", [`repository:${repo}:${actions.join(",")}`]),
    );
  const vex = (digest: string, vulnerability: string) => ({
    "@context": "https://openvex.dev/ns/v0.2.0",
    "@id": `https://vex.example/${vulnerability}`,
    author: "security@contoso.com",
    timestamp: "2026-12-01T00:00:00Z",
    version: 1,
    statements: [
      {
        vulnerability: { name: vulnerability },
        products: [{ "@id": `pkg:oci/vexed@${encodeURIComponent(digest)}` }],
        status: "not_affected",
        justification: "vulnerable_code_not_in_execute_path",
      },
    ],
  });
  const subjectOf = (img: OciImage) => ({
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: img.manifestDigest,
    size: img.manifestSize,
  });

  async function attachSigned(img: OciImage, vulnerability: string, signer: FileKeySigner): Promise<void> {
    const statement = {
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: `${local.acr.loginServer}/${repository}`, digest: { sha256: img.manifestDigest.slice(7) } }],
      predicateType: "https://openvex.dev/ns/v0.2.0",
      predicate: vex(img.manifestDigest, vulnerability),
    };
    const envelope = await signEnvelope(IN_TOTO_PAYLOAD, Buffer.from(JSON.stringify(statement)), signer);
    const r = registry();
    const layer = await r.pushBlob(repository, JSON.stringify(envelope), DSSE_ENVELOPE);
    await r.pushManifest(
      repository,
      referrerManifest(IN_TOTO_PAYLOAD, layer, subjectOf(img), {
        "in-toto.io/predicate-type": "https://openvex.dev/ns/v0.2.0",
      }),
    );
  }

  beforeAll(async () => {
    local = await startLocalAcr();
    unsignedImage = await buildOciImage(freshTempDir("img"), { payloadBytes: 2048 });
    signedImage = await buildOciImage(freshTempDir("img"), { payloadBytes: 2048 });
    const creds = { certDir: local.acr.certDir, creds: await local.skopeoCreds("pusher") };
    for (const [img, tag] of [
      [unsignedImage, "u"],
      [signedImage, "s"],
    ] as const)
      expect((await push(img.layoutRef, repoRef(local, repository, tag), creds)).code).toBe(0);
    const keys = freshTempDir("keys");
    trusted = await new FileKeySigner(join(keys, "trusted.pem")).init();
    untrusted = await new FileKeySigner(join(keys, "untrusted.pem")).init();

    const r = registry();
    await r.pushBlob(repository, EMPTY_CONFIG_BYTES, OCI_EMPTY);
    const plain = await r.pushBlob(
      repository,
      JSON.stringify(vex(unsignedImage.manifestDigest, "CVE-2024-0001")),
      OPENVEX,
    );
    await r.pushManifest(repository, referrerManifest(OPENVEX, plain, subjectOf(unsignedImage), {}));
    await attachSigned(signedImage, "CVE-2024-0001", trusted);
    // Signed by a key nobody trusts: must not suppress CVE-2024-0002.
    await attachSigned(signedImage, "CVE-2024-0002", untrusted);
  });
  afterAll(async () => local?.stop());

  async function judge(img: OciImage, mode: VexReferrerMode) {
    const source = new VexReferrerSource({
      mode,
      registry: () => registry(),
      verify: jwksVerifier({ keys: [await trusted.publicJwk()] }),
    });
    const image = { repository, digest: img.manifestDigest };
    const report = tryNormaliseReport(
      JSON.stringify({
        SchemaVersion: 2,
        ArtifactName: `${local.acr.loginServer}/${repository}@${img.manifestDigest}`,
        Results: [
          {
            Target: "vexed (alpine 3.19)",
            Vulnerabilities: [
              { VulnerabilityID: "CVE-2024-0001", PkgName: "musl", InstalledVersion: "1.2.4", Severity: "CRITICAL" },
              { VulnerabilityID: "CVE-2024-0002", PkgName: "zlib", InstalledVersion: "1.3", Severity: "CRITICAL" },
            ],
          },
        ],
      }),
    );
    return judgeScanReport({
      report,
      image,
      policy: parsePolicy({ version: 1 }),
      vex: await source.forImage({ ...image, loginServer: local.acr.loginServer }),
      now: "2026-12-02T00:00:00Z",
    });
  }

  it("unsigned, VEX_REFERRERS=any: the document suppresses exactly its statement", async () => {
    const judged = await judge(unsignedImage, "any");
    expect(judged.tally).toMatchObject({ findings: 2, suppressedByVex: 1, blocking: 1 });
    expect(judged.vex.suppressions.map((s) => [s.vulnerability, s.location.startsWith("oci://")])).toEqual([
      ["CVE-2024-0001", true],
    ]);
    expect(judged.reasons[0]).toMatchObject({ kind: "finding-blocks", finding: { vulnerabilityId: "CVE-2024-0002" } });
  });

  it("unsigned, VEX_REFERRERS=signed: not applied", async () => {
    const judged = await judge(unsignedImage, "signed");
    expect(judged.tally).toMatchObject({ findings: 2, suppressedByVex: 0, blocking: 2 });
  });

  it("signed by a trusted key: suppresses exactly its statement; the one signed by another key does not count", async () => {
    const judged = await judge(signedImage, "signed");
    expect(judged.tally).toMatchObject({ findings: 2, suppressedByVex: 1, blocking: 1 });
    expect(judged.vex.suppressions.map((s) => s.vulnerability)).toEqual(["CVE-2024-0001"]);
    expect(judged.decision).toBe("fail");
  });
});
