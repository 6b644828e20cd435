import { describe, expect, it } from "vitest";
import { generateKeyPairSync, sign } from "node:crypto";
import {
  parseEnvelope,
  preAuthEncoding,
  signEnvelope,
  verifyEnvelope,
  type DsseSigner,
} from "../../../src/attest/dsse.js";
import { jwksVerifier, publicJwkOf } from "../../../src/attest/keys.js";
import { AttestationVerificationError } from "../../../src/attest/errors.js";

async function keyPair(): Promise<{ signer: DsseSigner; jwks: { keys: [Awaited<ReturnType<typeof publicJwkOf>>] } }> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" });
  const pub = await publicJwkOf(jwk.x!, jwk.y!);
  return {
    signer: {
      keyId: pub.kid,
      sign: (data) => Promise.resolve(sign("sha256", data, { key: privateKey, dsaEncoding: "ieee-p1363" })),
    },
    jwks: { keys: [pub] },
  };
}

describe("DSSE", () => {
  it("encodes PAE exactly as the spec's example (secure-systems-lab/dsse protocol.md, Test Vectors)", () => {
    expect(preAuthEncoding("http://example.com/HelloWorld", Buffer.from("hello world")).toString()).toBe(
      "DSSEv1 29 http://example.com/HelloWorld 11 hello world",
    );
  });

  it("counts bytes, not characters, in LEN", () => {
    expect(preAuthEncoding("t", Buffer.from("é", "utf8")).toString("utf8")).toBe("DSSEv1 1 t 2 é");
  });

  it("signs and verifies; a changed payload, payload type or another key is refused", async () => {
    const { signer, jwks } = await keyPair();
    const other = await keyPair();
    const envelope = await signEnvelope("application/vnd.in-toto+json", Buffer.from('{"a":1}'), signer);
    expect(envelope.signatures[0]!.keyid).toBe(signer.keyId);
    const body = await verifyEnvelope(envelope, "application/vnd.in-toto+json", jwksVerifier(jwks));
    expect(body.toString()).toBe('{"a":1}');

    const changed = { ...envelope, payload: Buffer.from('{"a":2}').toString("base64") };
    await expect(verifyEnvelope(changed, "application/vnd.in-toto+json", jwksVerifier(jwks))).rejects.toThrow(
      AttestationVerificationError,
    );
    const retyped = { ...envelope, payloadType: "application/json" };
    await expect(verifyEnvelope(retyped, "application/json", jwksVerifier(jwks))).rejects.toThrow(/no signature/);
    await expect(verifyEnvelope(envelope, "application/json", jwksVerifier(jwks))).rejects.toThrow(/payloadType/);
    await expect(verifyEnvelope(envelope, "application/vnd.in-toto+json", jwksVerifier(other.jwks))).rejects.toThrow(
      /no signature/,
    );
  });

  it("treats the keyid as a hint: a wrong keyid still verifies with the right key, none verifies with a wrong one", async () => {
    const { signer, jwks } = await keyPair();
    const envelope = await signEnvelope("t", Buffer.from("x"), signer);
    const misnamed = { ...envelope, signatures: [{ keyid: "nope", sig: envelope.signatures[0]!.sig }] };
    await expect(verifyEnvelope(misnamed, "t", jwksVerifier(jwks))).resolves.toBeInstanceOf(Buffer);
  });

  it("refuses what is not an envelope", () => {
    expect(() => parseEnvelope("not json")).toThrow(AttestationVerificationError);
    expect(() => parseEnvelope("{}")).toThrow(/not a DSSE envelope/);
    expect(() => parseEnvelope('{"payload":"","payloadType":"t","signatures":[]}')).toThrow(/with a signature/);
    expect(parseEnvelope('{"payload":"","payloadType":"t","signatures":[{"sig":""}]}').payloadType).toBe("t");
  });

  it("refuses invalid Base64 rather than decoding part of it", async () => {
    const { jwks } = await keyPair();
    await expect(
      verifyEnvelope({ payload: "!!", payloadType: "t", signatures: [{ sig: "AA==" }] }, "t", jwksVerifier(jwks)),
    ).rejects.toThrow(/Base64/);
  });
});
