import { AttestationVerificationError } from "./errors.js";

/**
 * DSSE, the Dead Simple Signing Envelope (secure-systems-lab/dsse, protocol.md v1.0.0 and envelope.md v1.0.0):
 * SIGNATURE = Sign(PAE(UTF8(PAYLOAD_TYPE), SERIALIZED_BODY)), where
 * PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN being the byte length as ASCII decimal,
 * and the JSON envelope {payload: Base64(body), payloadType, signatures: [{keyid, sig: Base64(signature)}]}. The
 * keyid is an unauthenticated hint only ("MUST NOT be used for security decisions"): verification tries the key it
 * names, and the signature decides.
 */
export interface DsseSignature {
  keyid?: string;
  sig: string;
}

export interface DsseEnvelope {
  payload: string;
  payloadType: string;
  signatures: DsseSignature[];
}

/** Something that signs bytes: a local key, or a Key Vault key (the private key never leaves the vault). */
export interface DsseSigner {
  readonly keyId: string;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

export type DsseVerify = (keyid: string | undefined, data: Uint8Array, signature: Uint8Array) => Promise<boolean>;

export function preAuthEncoding(payloadType: string, body: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, "utf8"),
    type,
    Buffer.from(` ${body.length} `, "utf8"),
    Buffer.from(body),
  ]);
}

export async function signEnvelope(payloadType: string, body: Uint8Array, signer: DsseSigner): Promise<DsseEnvelope> {
  const signature = await signer.sign(preAuthEncoding(payloadType, body));
  return {
    payloadType,
    payload: Buffer.from(body).toString("base64"),
    signatures: [{ keyid: signer.keyId, sig: Buffer.from(signature).toString("base64") }],
  };
}

/** Parses an envelope (the fields DSSE requires) or throws AttestationVerificationError. */
export function parseEnvelope(text: string): DsseEnvelope {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new AttestationVerificationError("the decision envelope is not JSON");
  }
  const e = raw as Partial<DsseEnvelope>;
  if (
    typeof e !== "object" ||
    e === null ||
    typeof e.payload !== "string" ||
    typeof e.payloadType !== "string" ||
    !Array.isArray(e.signatures) ||
    e.signatures.length === 0 ||
    !e.signatures.every((s) => typeof s?.sig === "string" && (s.keyid === undefined || typeof s.keyid === "string"))
  )
    throw new AttestationVerificationError("the decision envelope is not a DSSE envelope with a signature");
  return e as DsseEnvelope;
}

/**
 * Verifies an envelope: at least one signature must verify over the PAE of the payload type and the decoded payload.
 * Returns the payload bytes; throws AttestationVerificationError otherwise.
 */
export async function verifyEnvelope(
  envelope: DsseEnvelope,
  expectedPayloadType: string,
  verify: DsseVerify,
): Promise<Buffer> {
  if (envelope.payloadType !== expectedPayloadType)
    throw new AttestationVerificationError(
      `the envelope's payloadType is ${JSON.stringify(envelope.payloadType)}, not ${expectedPayloadType}`,
    );
  const body = decodeBase64(envelope.payload);
  const pae = preAuthEncoding(envelope.payloadType, body);
  for (const signature of envelope.signatures) {
    if (await verify(signature.keyid, pae, decodeBase64(signature.sig))) return body;
  }
  throw new AttestationVerificationError("no signature of the decision envelope verifies against the gate's keys");
}

/** DSSE allows standard or URL-safe Base64 (envelope.md); anything else is refused rather than half-decoded. */
function decodeBase64(text: string): Buffer {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) throw new AttestationVerificationError("invalid Base64 in the envelope");
  return Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}
