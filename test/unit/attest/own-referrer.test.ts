import { generateKeyPairSync, sign as cryptoSign } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { attestDecision, type AttestationContext } from "../../../src/attest/attest-decision.js";
import { signEnvelope } from "../../../src/attest/dsse.js";
import { jwksVerifier, publicJwkOf, type DecisionSigner } from "../../../src/attest/keys.js";
import {
  DSSE_ENVELOPE,
  EMPTY_CONFIG_BYTES,
  IN_TOTO_PAYLOAD,
  OCI_EMPTY,
  SARIF,
} from "../../../src/attest/media-types.js";
import { OciRegistry, sha256Digest } from "../../../src/attest/oci-registry.js";
import { inspectArtifact, ownAttestationNote, type OwnReferrerContext } from "../../../src/attest/own-referrer.js";
import { referrerManifest } from "../../../src/attest/referrer-manifest.js";
import type { ImageKey } from "../../../src/pipeline/contract/index.js";
import { verdict } from "../pipeline/support/fixtures.js";

/**
 * What the inspection says about the gate's own referrers and other artifacts, against a registry held in memory and
 * reached through the real OCI client (src/attest/oci-registry.ts), with referrers pushed by the real attestation code.
 */
const SERVER = "contoso.azurecr.io";
const REPO = "team/app";

/** A minimal OCI distribution registry in memory: blobs, manifests by digest, the referrers list. */
function memoryRegistry() {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, Buffer>();
  const reads: string[] = [];
  const fetchImpl = ((input: URL | string, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const method = init.method ?? "GET";
    const body = init.body === undefined ? undefined : Buffer.from(init.body as Buffer | string);
    const path = url.pathname;
    let m: RegExpExecArray | null;
    const answer = (status: number, content?: Buffer | string, headers: Record<string, string> = {}) =>
      Promise.resolve(
        new Response(content === undefined ? null : new Uint8Array(Buffer.from(content)), { status, headers }),
      );
    if ((m = /^\/v2\/(.+)\/blobs\/uploads\/$/.exec(path)) && method === "POST")
      return answer(202, undefined, { Location: `/v2/${m[1]}/blobs/uploads/u1` });
    if (/\/blobs\/uploads\/u1$/.test(path) && method === "PUT") {
      blobs.set(url.searchParams.get("digest")!, body!);
      return answer(201);
    }
    if ((m = /^\/v2\/.+\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path))) {
      const blob = blobs.get(m[1]!);
      if (method === "HEAD") return answer(blob ? 200 : 404);
      reads.push(`blob ${m[1]}`);
      return blob ? answer(200, blob) : answer(404);
    }
    if ((m = /^\/v2\/.+\/manifests\/(sha256:[0-9a-f]{64})$/.exec(path))) {
      if (method === "PUT") {
        manifests.set(m[1]!, body!);
        return answer(201);
      }
      reads.push(`manifest ${m[1]}`);
      const found = manifests.get(m[1]!);
      return found ? answer(200, found) : answer(404);
    }
    if ((m = /^\/v2\/.+\/referrers\/(sha256:[0-9a-f]{64})$/.exec(path))) {
      const type = url.searchParams.get("artifactType");
      const list = [...manifests].flatMap(([digest, bytes]) => {
        const parsed = JSON.parse(bytes.toString()) as {
          artifactType?: string;
          subject?: { digest: string };
          annotations?: Record<string, string>;
          mediaType: string;
        };
        if (parsed.subject?.digest !== m![1] || (type && parsed.artifactType !== type)) return [];
        return [
          {
            mediaType: parsed.mediaType,
            digest,
            size: bytes.length,
            artifactType: parsed.artifactType,
            annotations: parsed.annotations,
          },
        ];
      });
      return answer(
        200,
        JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: list }),
      );
    }
    return answer(404);
  }) as typeof fetch;
  return { registry: new OciRegistry(SERVER, () => Promise.resolve("token"), fetchImpl), manifests, blobs, reads };
}

const IMAGE_MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256Digest("c"), size: 1 },
  layers: [],
});

/** An ES256 signer with a key held in memory (the file and Key Vault signers differ only in where the key is). */
async function memorySigner(): Promise<DecisionSigner> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" }) as { x: string; y: string };
  const publicJwk = await publicJwkOf(jwk.x, jwk.y);
  return {
    keyId: publicJwk.kid,
    sign: (data) => Promise.resolve(cryptoSign("sha256", data, { key: privateKey, dsaEncoding: "ieee-p1363" })),
    publicJwk: () => Promise.resolve(publicJwk),
  };
}

let gateSigner: DecisionSigner;
let otherSigner: DecisionSigner;

beforeAll(async () => {
  gateSigner = await memorySigner();
  otherSigner = await memorySigner();
});

async function setUp(options: { subjectState?: string | undefined } = {}) {
  const memory = memoryRegistry();
  const subject = sha256Digest(IMAGE_MANIFEST);
  memory.manifests.set(subject, Buffer.from(IMAGE_MANIFEST));
  const image: ImageKey = { loginServer: SERVER, repository: REPO, digest: subject };
  const released: string[] = [];
  const ctx: AttestationContext = {
    registry: () => memory.registry,
    signer: gateSigner,
    verifierId: "urn:acr-quarantine-gate",
    gateVersion: "0.1.0",
    policy: { version: "p1", sha256: "ab".repeat(32) },
    release: (_image, digest) => {
      released.push(digest);
      return Promise.resolve();
    },
  };
  const attested = await attestDecision(ctx, {
    image,
    subject: { mediaType: "application/vnd.oci.image.manifest.v1+json", size: IMAGE_MANIFEST.length },
    outcome: { result: "Passed", verdict: verdict("pass", subject), decidedBy: "policy", reason: "ok" },
    decisionId: "d1",
    at: "2024-01-01T00:00:00.000Z",
  });
  const inspector: OwnReferrerContext = {
    registry: memory.registry,
    verify: jwksVerifier({ keys: [await gateSigner.publicJwk()] }),
    quarantineState: (other) => Promise.resolve(other.digest === subject ? options.subjectState : "Passed"),
  };
  const at = (digest: string): ImageKey => ({ ...image, digest });
  return { memory, subject, attested, inspector, at, released };
}

/** Pushes a referrer of `subject` with the given type and layer bytes; answers its digest. */
async function pushReferrer(
  registry: OciRegistry,
  subject: string,
  artifactType: string,
  layer: string,
): Promise<string> {
  await registry.pushBlob(REPO, EMPTY_CONFIG_BYTES, OCI_EMPTY);
  const blob = await registry.pushBlob(REPO, layer, artifactType);
  const manifest = referrerManifest(
    artifactType,
    blob,
    { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: subject, size: IMAGE_MANIFEST.length },
    {},
  );
  return (await registry.pushManifest(REPO, manifest)).descriptor.digest;
}

describe("inspectArtifact: the gate's own referrers", () => {
  it("the signed decision and the scan report the gate pushed are its verified attestations", async () => {
    const { subject, attested, inspector, at } = await setUp({ subjectState: "Passed" });
    expect(attested.state).toBe("attested");
    const decision = await inspectArtifact(inspector, at(attested.decision));
    expect(decision).toMatchObject({
      kind: "gate-attestation",
      artifactType: DSSE_ENVELOPE,
      subject,
      reason: ownAttestationNote(subject),
    });
    expect(decision!.checked).toMatch(/PASSED/);
    const report = await inspectArtifact(inspector, at(attested.report));
    expect(report).toMatchObject({ kind: "gate-attestation", artifactType: SARIF, subject });
    expect(report!.checked).toContain(attested.decision);
  });

  it("the decision is pushed before the report it names: by the report's own push, it is listed", async () => {
    const { memory, attested } = await setUp({ subjectState: "Passed" });
    const order = [...memory.manifests.keys()];
    expect(order.indexOf(attested.decision)).toBeLessThan(order.indexOf(attested.report));
  });

  it("a Failed subject counts as decided too (its decision must be readable)", async () => {
    const { attested, inspector, at } = await setUp({ subjectState: "Failed" });
    expect((await inspectArtifact(inspector, at(attested.decision)))!.kind).toBe("gate-attestation");
  });

  it("stays not-an-image while the subject is undecided (quarantined, or no state)", async () => {
    for (const subjectState of ["Quarantined", undefined]) {
      const { attested, inspector, at } = await setUp({ subjectState });
      const result = await inspectArtifact(inspector, at(attested.decision));
      expect(result).toMatchObject({ kind: "not-an-image", artifactType: DSSE_ENVELOPE });
      expect(result!.reason).toMatch(/^not an image: .*its subject is not an image the gate decided/);
    }
  });

  it("a decision signed by another key, with the gate's artifactType, is not-an-image", async () => {
    const { memory, subject, attested, inspector, at } = await setUp({ subjectState: "Passed" });
    const genuine = JSON.parse(memory.manifests.get(attested.decision)!.toString()) as {
      layers: Array<{ digest: string }>;
    };
    const envelope = JSON.parse(memory.blobs.get(genuine.layers[0]!.digest)!.toString()) as { payload: string };
    const resigned = await signEnvelope(IN_TOTO_PAYLOAD, Buffer.from(envelope.payload, "base64"), otherSigner);
    const forged = await pushReferrer(memory.registry, subject, DSSE_ENVELOPE, JSON.stringify(resigned));
    const result = await inspectArtifact(inspector, at(forged));
    expect(result).toMatchObject({ kind: "not-an-image", artifactType: DSSE_ENVELOPE, subject });
    expect(result!.reason).toMatch(/does not verify: no signature of the decision envelope verifies/);
  });

  it("the gate's genuine envelope with one byte of its payload changed is not-an-image", async () => {
    const { memory, subject, attested, inspector, at } = await setUp({ subjectState: "Passed" });
    const genuine = JSON.parse(memory.manifests.get(attested.decision)!.toString()) as {
      layers: Array<{ digest: string }>;
    };
    const envelope = JSON.parse(memory.blobs.get(genuine.layers[0]!.digest)!.toString()) as { payload: string };
    const payload = Buffer.from(envelope.payload, "base64");
    payload[payload.indexOf("PASSED")] = "Q".charCodeAt(0);
    const tampered = await pushReferrer(
      memory.registry,
      subject,
      DSSE_ENVELOPE,
      JSON.stringify({ ...envelope, payload: payload.toString("base64") }),
    );
    expect((await inspectArtifact(inspector, at(tampered)))!.kind).toBe("not-an-image");
  });

  it("the gate's genuine decision re-attached to another image is not-an-image", async () => {
    const { memory, attested, inspector, at } = await setUp({ subjectState: "Passed" });
    const other = JSON.stringify({ ...JSON.parse(IMAGE_MANIFEST), annotations: { other: "yes" } });
    const otherDigest = sha256Digest(other);
    memory.manifests.set(otherDigest, Buffer.from(other));
    const genuine = JSON.parse(memory.manifests.get(attested.decision)!.toString()) as {
      layers: Array<{ digest: string }>;
    };
    const moved = await pushReferrer(
      memory.registry,
      otherDigest,
      DSSE_ENVELOPE,
      memory.blobs.get(genuine.layers[0]!.digest)!.toString(),
    );
    const result = await inspectArtifact(inspector, at(moved));
    expect(result).toMatchObject({ kind: "not-an-image", subject: otherDigest });
    expect(result!.reason).toMatch(/about another image/);
  });

  it("the gate's genuine envelope in another layout (an image config, a second layer) is not-an-image", async () => {
    const { memory, subject, attested, inspector, at } = await setUp({ subjectState: "Passed" });
    const genuine = JSON.parse(memory.manifests.get(attested.decision)!.toString()) as {
      config: unknown;
      layers: Array<{ mediaType: string; digest: string; size: number }>;
    };
    const runnable = { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha256Digest("tar"), size: 3 };
    const variants = [
      {
        ...genuine,
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256Digest("c"), size: 1 },
      },
      { ...genuine, layers: [...genuine.layers, runnable] },
      { ...genuine, layers: [{ ...genuine.layers[0]!, mediaType: "application/json" }] },
    ];
    for (const variant of variants) {
      const bytes = JSON.stringify(variant);
      memory.manifests.set(sha256Digest(bytes), Buffer.from(bytes));
      const result = await inspectArtifact(inspector, at(sha256Digest(bytes)));
      expect(result).toMatchObject({ kind: "not-an-image", subject });
      expect(result!.reason).toMatch(/not in the gate's own layout/);
    }
  });

  it("a SARIF referrer no verified decision names is not-an-image, even beside a genuine decision", async () => {
    const { memory, subject, inspector, at } = await setUp({ subjectState: "Passed" });
    const extra = await pushReferrer(memory.registry, subject, SARIF, JSON.stringify({ version: "2.1.0", runs: [] }));
    const result = await inspectArtifact(inspector, at(extra));
    expect(result).toMatchObject({ kind: "not-an-image", artifactType: SARIF });
    expect(result!.reason).toMatch(/no verified decision of the gate names as its scan report \(1 decision/);
  });

  it("with attestations off (no key to check with), even the gate's genuine referrers are not-an-image", async () => {
    const { attested, inspector, at } = await setUp({ subjectState: "Passed" });
    const off = { ...inspector, verify: undefined };
    for (const digest of [attested.decision, attested.report]) {
      const result = await inspectArtifact(off, at(digest));
      expect(result!.kind).toBe("not-an-image");
      expect(result!.reason).toMatch(/attestations are off here/);
    }
  });
});

describe("inspectArtifact: other manifests", () => {
  it("an image (image config, no artifactType) is not an artifact: undefined, scanned as before", async () => {
    const { subject, inspector, at } = await setUp({ subjectState: "Passed" });
    expect(await inspectArtifact(inspector, at(subject))).toBeUndefined();
  });

  it("an index is not an artifact", async () => {
    const { memory, inspector, at } = await setUp();
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [],
    });
    memory.manifests.set(sha256Digest(index), Buffer.from(index));
    expect(await inspectArtifact(inspector, at(sha256Digest(index)))).toBeUndefined();
  });

  it("unknown artifact types, with or without a subject, are not-an-image and never checked further", async () => {
    const { memory, subject, inspector, at } = await setUp({ subjectState: "Passed" });
    const sbom = await pushReferrer(memory.registry, subject, "application/spdx+json", "{}");
    expect(await inspectArtifact(inspector, at(sbom))).toEqual({
      kind: "not-an-image",
      artifactType: "application/spdx+json",
      subject,
      reason: `not an image: an OCI artifact of type application/spdx+json, a referrer of ${subject}; the gate scans images only`,
    });
    const helm = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.cncf.helm.config.v1+json", digest: sha256Digest("h"), size: 1 },
      layers: [],
    });
    memory.manifests.set(sha256Digest(helm), Buffer.from(helm));
    expect(await inspectArtifact(inspector, at(sha256Digest(helm)))).toMatchObject({
      kind: "not-an-image",
      artifactType: "application/vnd.cncf.helm.config.v1+json",
      subject: undefined,
    });
  });

  it("a gate type without a subject is not-an-image", async () => {
    const { memory, inspector, at } = await setUp();
    const lonely = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      artifactType: DSSE_ENVELOPE,
      config: { mediaType: OCI_EMPTY, digest: sha256Digest("{}"), size: 2 },
      layers: [],
    });
    memory.manifests.set(sha256Digest(lonely), Buffer.from(lonely));
    expect((await inspectArtifact(inspector, at(sha256Digest(lonely))))!.kind).toBe("not-an-image");
  });

  it("a registry failure is not a verdict: it throws, so the activity is tried again", async () => {
    const failing = new OciRegistry(SERVER, () => Promise.resolve("t"), (() =>
      Promise.resolve(new Response("busy", { status: 503 }))) as unknown as typeof fetch);
    const { inspector, at, attested } = await setUp({ subjectState: "Passed" });
    await expect(inspectArtifact({ ...inspector, registry: failing }, at(attested.decision))).rejects.toMatchObject({
      code: "ERR_ATTEST_REGISTRY",
      status: 503,
    });
  });
});
