import { describe, expect, it } from "vitest";
import { referrerOf } from "../../../local/acr-emulator/handlers/referrers.js";

const subject = "sha256:" + "1".repeat(64);
const body = (manifest: unknown) => Buffer.from(JSON.stringify(manifest));

/** The descriptor rules of distribution-spec v1.1 "Listing Referrers" for what the emulator indexes. */
describe("ACR emulator: which pushed manifests are referrers, and their descriptors", () => {
  it("takes artifactType from the manifest, else from its config's mediaType; annotations are kept", () => {
    expect(
      referrerOf(
        "r",
        "sha256:a",
        body({
          artifactType: "application/x",
          config: { mediaType: "c" },
          subject: { digest: subject },
          annotations: { k: "v", n: 1 },
        }),
        undefined,
      ),
    ).toEqual({
      repository: "r",
      subject,
      digest: "sha256:a",
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      size: expect.any(Number) as number,
      artifactType: "application/x",
      annotations: { k: "v" },
    });
    expect(
      referrerOf(
        "r",
        "sha256:a",
        body({ config: { mediaType: "application/c" }, subject: { digest: subject } }),
        undefined,
      )?.artifactType,
    ).toBe("application/c");
  });

  it("gives an index without artifactType none", () => {
    const record = referrerOf(
      "r",
      "sha256:a",
      body({ mediaType: "application/vnd.oci.image.index.v1+json", manifests: [], subject: { digest: subject } }),
      undefined,
    );
    expect(record).toBeDefined();
    expect(record?.artifactType).toBeUndefined();
  });

  it("indexes nothing without a valid subject", () => {
    expect(referrerOf("r", "sha256:a", body({ config: { mediaType: "c" } }), undefined)).toBeUndefined();
    expect(referrerOf("r", "sha256:a", body({ subject: { digest: "sha256:short" } }), undefined)).toBeUndefined();
    expect(referrerOf("r", "sha256:a", Buffer.from("not json"), undefined)).toBeUndefined();
    expect(referrerOf("r", "sha256:a", Buffer.from("null"), undefined)).toBeUndefined();
  });
});
