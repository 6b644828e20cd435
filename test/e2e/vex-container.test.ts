import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_VEX_CONTAINER } from "../../local/stack/compose.js";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { buildOciImage } from "../support/oci-image.js";
import { push } from "../support/skopeo.js";
import { freshTempDir } from "../support/paths.js";

/**
 * Issue 13: VEX is applied by the product. The stack's VEX container (VEX_CONTAINER, on Azurite) holds an OpenVEX
 * document that names one image by digest and says it is not affected by CVE-2019-18224, the Critical in the recorded
 * Trivy report the queue worker's stand-in replays for `*vulnerable*` repositories. That image is released; its twin in
 * the same repository, which no statement names, still fails on that CVE.
 */
describe("VEX from the blob container, through the whole pipeline (skopeo → webhook → queue worker → judgement)", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => stack?.stop());

  const done = (body: Record<string, unknown>) =>
    ["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus));

  interface Verdict {
    decision: string;
    platforms: Array<{ reasons: string[] }>;
    vex?: {
      documents: Array<{ id: string; source: string; location: string }>;
      suppressedFindings: number;
      suppressions: Array<{ vulnerability: string; document: string; statementIndex: number; findings: number }>;
      notApplied?: string;
    };
  }

  it("suppresses exactly its statement: the named image is released, its twin still fails", async () => {
    const named = await buildOciImage(freshTempDir("vex-named"));
    const other = await buildOciImage(freshTempDir("vex-other"));
    // The document is in the container before the image is pushed (the digest is known from the built layout).
    const container = BlobServiceClient.fromConnectionString(stack.azurite.connectionString).getContainerClient(
      LOCAL_VEX_CONTAINER,
    );
    const document = {
      "@context": "https://openvex.dev/ns/v0.2.0",
      "@id": "https://vex.example/team/vulnerable-app/libidn2",
      author: "security@contoso.com",
      timestamp: "2024-05-01T00:00:00Z",
      version: 1,
      statements: [
        {
          vulnerability: { name: "CVE-2019-18224" },
          products: [{ "@id": `pkg:oci/vulnerable-app@${encodeURIComponent(named.manifestDigest)}` }],
          status: "not_affected",
          justification: "vulnerable_code_not_in_execute_path",
        },
      ],
    };
    const body = JSON.stringify(document);
    await container.getBlockBlobClient("builds/vulnerable-app.json").upload(body, Buffer.byteLength(body));

    const access = { certDir: stack.acr.certDir, creds: stack.pushCreds };
    for (const [image, tag] of [
      [named, "v1"],
      [other, "v2"],
    ] as const) {
      const pushed = await push(image.layoutRef, `${stack.acr.loginServer}/team/vulnerable-app:${tag}`, access);
      expect(pushed.code, pushed.stderr).toBe(0);
    }
    const reference = (digest: string) => `${stack.acr.loginServer}/team/vulnerable-app@${digest}`;
    const namedStatus = await stack.waitForStatus(reference(named.manifestDigest), done);
    const otherStatus = await stack.waitForStatus(reference(other.manifestDigest), done);

    const namedVerdict = namedStatus.verdict as Verdict;
    expect((namedStatus.outcome as { result: string }).result).toBe("Passed");
    expect(namedVerdict.decision).toBe("pass");
    expect(namedVerdict.vex).toMatchObject({
      documents: [{ id: document["@id"], source: "container", location: "builds/vulnerable-app.json" }],
      suppressedFindings: 1,
      suppressions: [{ vulnerability: "CVE-2019-18224", document: document["@id"], statementIndex: 0, findings: 1 }],
    });
    // The CVE is named only as suppressed, no longer as blocking.
    const namedReasons = namedVerdict.platforms[0]!.reasons.filter((r) => r.includes("CVE-2019-18224"));
    expect(namedReasons.length).toBeGreaterThan(0);
    for (const reason of namedReasons) expect(reason).toMatch(/not_affected per VEX/);
    // The audit record says what VEX did.
    const timeline = namedStatus.timeline as Array<{ action: string; vex?: string }>;
    expect(timeline.find((r) => r.action === "released")?.vex).toContain("CVE-2019-18224");

    const otherVerdict = otherStatus.verdict as Verdict;
    expect((otherStatus.outcome as { result: string }).result).toBe("Failed");
    expect(otherVerdict.platforms[0]!.reasons.join(" ")).toMatch(/CVE-2019-18224 \(Critical\).*blocks/);
    expect(otherVerdict.vex).toMatchObject({ suppressedFindings: 0, suppressions: [] });
  });
});
