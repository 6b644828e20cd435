import { createPublicKey, verify as cryptoVerify, type JsonWebKey as NodeJwk } from "node:crypto";
import { calculateJwkThumbprint } from "jose";
import type { DsseSigner, DsseVerify } from "./dsse.js";

/**
 * The gate signs with ES256: ECDSA on P-256 with SHA-256, the signature being r‖s (32 bytes each, JWA, RFC 7518
 * §3.4). Key Vault's ES256 answers that form (its algorithms are the JWA names; "Supported algorithms" in Microsoft
 * Learn's "About keys"), and Node produces it with dsaEncoding "ieee-p1363", so local and vault signatures verify the
 * same way. The key id is the public key's JWK thumbprint (RFC 7638), published in the JWKS.
 */
export const SIGNING_ALGORITHM = "ES256";

export interface PublicJwk {
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
  kid: string;
  alg: typeof SIGNING_ALGORITHM;
  use: "sig";
}

export interface Jwks {
  keys: PublicJwk[];
}

/** A signer that can also say which public key verifies it. */
export interface DecisionSigner extends DsseSigner {
  publicJwk(): Promise<PublicJwk>;
}

export async function publicJwkOf(x: string, y: string): Promise<PublicJwk> {
  const kid = await calculateJwkThumbprint({ kty: "EC", crv: "P-256", x, y }, "sha256");
  return { kty: "EC", crv: "P-256", x, y, kid, alg: SIGNING_ALGORITHM, use: "sig" };
}

/**
 * A DSSE verifier over a JWKS: the key the signature's keyid names if there is one, otherwise every key (the keyid is
 * only a hint). Keys that are not EC P-256 are ignored.
 */
export function jwksVerifier(jwks: Jwks): DsseVerify {
  const keys = (Array.isArray(jwks?.keys) ? jwks.keys : []).filter(
    (k) => k?.kty === "EC" && k.crv === "P-256" && typeof k.x === "string" && typeof k.y === "string",
  );
  return (keyid, data, signature) => {
    const candidates = keys.filter((k) => keyid === undefined || keyid === "" || k.kid === keyid);
    for (const jwk of candidates.length > 0 ? candidates : keys) {
      try {
        const key = createPublicKey({ key: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y } as NodeJwk, format: "jwk" });
        if (cryptoVerify("sha256", data, { key, dsaEncoding: "ieee-p1363" }, signature)) return Promise.resolve(true);
      } catch {
        // A malformed key or signature verifies nothing.
      }
    }
    return Promise.resolve(false);
  };
}
